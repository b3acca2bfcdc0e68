"""The admin's map picker: the longitude input followed by a map that sets both coordinates.

Used for UMKM and tourism spots (umkm/admin.py) and for the kelurahan office (kelurahan/admin.py).

The two number inputs stay the source of truth: without JavaScript (or without tiles) the
operator types the numbers; with it, a click or a dragged marker fills them in, and typing in
them moves the marker. Leaflet is loaded through this widget's Media, so only on these forms.
"""

from __future__ import annotations

from django import forms
from django.conf import settings

# Where the map starts when neither the place nor the kelurahan has a point: all of Indonesia.
INDONESIA_CENTER = (-2.5, 118.0)


class MapPickerInput(forms.NumberInput):
    # In the app's templates/ (not the project's): the default form renderer only looks there.
    template_name = "kelurahan/widgets/map_picker.html"

    def __init__(
        self, *, center: tuple[float, float] | None = None, zoom: int | None = None, attrs=None
    ):
        super().__init__(attrs=attrs)
        self.center = center
        self.zoom = zoom

    class Media:
        css = {"all": ["vendor/leaflet/leaflet-markercluster.css", "css/map_picker.css"]}
        js = ["vendor/leaflet/leaflet-markercluster.js", "js/map.js", "js/map_picker.js"]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        own_id = context["widget"]["attrs"].get("id", f"id_{name}")
        lat, lng = self.center or INDONESIA_CENTER
        context["map"] = {
            "lat_input": own_id.replace("longitude", "latitude"),
            "lng_input": own_id,
            "center": f"{lat},{lng}",
            "zoom": self.zoom or (16 if self.center else 5),
            "tile_url": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
        }
        return context
