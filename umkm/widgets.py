"""The admin's map picker lives in kelurahan/widgets.py (the kelurahan office uses it too)."""

from kelurahan.widgets import INDONESIA_CENTER, MapPickerInput

__all__ = ["INDONESIA_CENTER", "MapPickerInput"]
