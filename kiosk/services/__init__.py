"""The kiosk's services: each flow a citizen or staff member goes through, written once.

Plain Python with the clock injected and no Kivy: the touch screen, the `kiosk`
command, the coming hall server and a second kiosk all call these. A service may
block (a database held by another process, a printer being asked): front ends with
a UI thread call them from a worker and show the result when it comes back.
"""
