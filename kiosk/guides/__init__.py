"""Service guides (办事指南): the matter catalogue, its search, exports and CLI.

`kiosk.guides.catalogue` loads and validates the hall's matter files;
`kiosk.guides.search` finds a matter from what a villager types (汉字, pinyin,
pinyin initials, everyday names). Importing this package imports nothing heavy.
"""
