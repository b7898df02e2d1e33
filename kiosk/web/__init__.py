"""The hall server (issue 14): counter console, hall display and phone pages over HTTP.

A front end beside the Kivy screens: it calls the hall's services and nothing
below them. `create_app(hall)` (kiosk.web.app) builds the FastAPI application;
`kiosk serve` (kiosk.web.cli) runs it on uvicorn.
"""
