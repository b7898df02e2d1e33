"""The drop-off's domain: its key and sealed files (vault, blobs), codes and models.

The flow itself is `kiosk.services.dropoff.DropoffService`.
"""
