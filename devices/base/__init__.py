"""The bottom layer's shared base: the bilingual error, the hall clock, masking and
strict settings validation. Imports nothing from the rest of the project."""
