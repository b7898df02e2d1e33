"""The hall's queue.

`models` holds the records (Ticket, IssuedTicket, QueueStatus, …) and the row
mapping, `estimator` the wait a new ticket is told, `engine` the QueueEngine that
issues numbers and runs every counter operation. Import from the module itself.
"""
