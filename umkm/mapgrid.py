"""The grid the map's data is asked on: a viewport (bounding box and zoom) snapped to it.

The map asks for what it shows (`?bbox=west,south,east,north&zoom=z`), with the box already
snapped outward to this grid (static/js/map.js does the same arithmetic with the numbers
`grid_settings()` hands it), so every viewport near another asks the very same address and the
page cache keeps one copy for all of them. The server snaps too and answers any other address
with a redirect to the snapped one (kelurahan.pagecache.canonical_redirect): only snapped
addresses are rendered and kept, so invented boxes cannot fill the cache.

The grid of a zoom is one "unit" of degrees, a round decimal number (1, 2 or 5 times a power of
ten, never more than one 256-pixel tile at that zoom), so a snapped edge is an exact decimal and
both sides print it alike. Clusters are counted per cell of a third of a unit (38 to 85 pixels:
about a cluster circle): a unit boundary is a cell boundary, so a cluster never straddles two
cached boxes. In Indonesia (11°S to 6°N) a degree of latitude and of longitude are almost the
same length on a Web Mercator map, so square degree cells are near enough square on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from kelurahan.models import LATITUDE_RANGE, LONGITUDE_RANGE

MIN_ZOOM = 4  # all of Indonesia on a phone
MAX_ZOOM = 19  # Leaflet's (and OpenStreetMap's tiles') deepest
FIT_MAX_ZOOM = 16  # a lone place is shown with its streets around it
CELLS_PER_UNIT = 3
# A box wider or higher than this many units is narrowed around its middle (a 5,000-pixel-wide
# screen still fits); the cells of a wide box are doubled until at most MAX_CELLS fit across it,
# so a response stays small whatever the screen.
MAX_UNITS = 48
MAX_CELLS = 40
BOUNDS = (
    float(LONGITUDE_RANGE[0]),
    float(LATITUDE_RANGE[0]),
    float(LONGITUDE_RANGE[1]),
    float(LATITUDE_RANGE[1]),
)


def _unit(zoom: int) -> Decimal:
    """The largest of 1, 2 or 5 times a power of ten not wider than a tile at this zoom."""
    tile = 360 / 2**zoom
    exponent = math.floor(math.log10(tile))
    for step in (5, 2, 1):
        unit = Decimal(step).scaleb(exponent)
        if unit <= Decimal(tile):
            return Decimal(format(unit, "f"))  # "20", not "2E+1": printed as JavaScript reads it
    raise AssertionError(tile)  # step 1 is never wider than the tile


UNITS = {zoom: _unit(zoom) for zoom in range(MIN_ZOOM, MAX_ZOOM + 1)}


def grid_settings() -> dict:
    """What static/js/map.js needs to snap a viewport exactly as `snap` does."""
    return {
        "minZoom": MIN_ZOOM,
        "maxZoom": MAX_ZOOM,
        "bounds": BOUNDS,
        "units": {str(zoom): str(unit) for zoom, unit in UNITS.items()},
    }


@dataclass(frozen=True)
class Viewport:
    """A snapped box (degrees) at a zoom; `cell` is the cluster cell's side in degrees."""

    west: float
    south: float
    east: float
    north: float
    zoom: int

    @property
    def unit(self) -> Decimal:
        return UNITS[self.zoom]

    @property
    def decimals(self) -> int:
        return max(-self.unit.as_tuple().exponent, 0)

    @property
    def bbox(self) -> str:
        """The canonical `bbox` parameter: the edges printed with the unit's decimals."""
        return ",".join(
            f"{edge:.{self.decimals}f}" for edge in (self.west, self.south, self.east, self.north)
        )

    @property
    def cell(self) -> float:
        cell = float(self.unit) / CELLS_PER_UNIT
        widest = max(self.east - self.west, self.north - self.south)
        while widest / cell > MAX_CELLS:
            cell *= 2
        return cell

    @property
    def edges(self) -> tuple[Decimal, ...]:
        """The edges as the exact decimals of `bbox`, for comparing with stored coordinates."""
        return tuple(Decimal(edge) for edge in self.bbox.split(","))


def _units(value: float, unit: float) -> float:
    """value / unit, taken as the whole number it is within a hair of: 110.88 / 0.02 is
    5543.999999999999 in floating point, and a snapped edge must snap to itself."""
    units = value / unit
    nearest = round(units)
    return nearest if abs(units - nearest) < 1e-6 else units


def _snap_range(low: float, high: float, unit: float, floor_bound: float, ceil_bound: float):
    """Grid indices [first, last) of a range clamped to the bounds and snapped outward (at
    least one unit; a snapped range stays as it is), no wider than MAX_UNITS (narrowed around
    its middle)."""
    low = min(max(low, floor_bound), ceil_bound)
    high = min(max(high, floor_bound), ceil_bound)
    first, last = math.floor(_units(low, unit)), math.ceil(_units(high, unit))
    if last <= first:
        last = first + 1
    if last - first > MAX_UNITS:
        middle = (first + last) // 2
        first, last = middle - MAX_UNITS // 2, middle + MAX_UNITS // 2
    return first, last


def snap(west: float, south: float, east: float, north: float, zoom: int) -> Viewport:
    """The viewport on the grid: zoom clamped to [MIN_ZOOM, MAX_ZOOM], the box clamped to
    Indonesia (no place lies outside it: kelurahan.models' ranges) and snapped outward."""
    zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
    unit = float(UNITS[zoom])
    west_i, east_i = _snap_range(west, east, unit, BOUNDS[0], BOUNDS[2])
    south_i, north_i = _snap_range(south, north, unit, BOUNDS[1], BOUNDS[3])
    # "+ 0.0" turns -0.0 into 0.0, which both Python and JavaScript print as "0".
    return Viewport(
        west=west_i * unit + 0.0,
        south=south_i * unit + 0.0,
        east=east_i * unit + 0.0,
        north=north_i * unit + 0.0,
        zoom=zoom,
    )


def fit(west: float, south: float, east: float, north: float) -> Viewport:
    """The viewport that shows a whole extent: the deepest zoom at which it spans at most three
    units (a phone's map), snapped. A box holds its west and south edges, not its east and
    north ones (those belong to the next box), so the extent's own east and north edges are
    pushed just inside it."""
    widest = max(east - west, north - south)
    zoom = FIT_MAX_ZOOM
    while zoom > MIN_ZOOM and float(UNITS[zoom]) * 3 < widest:
        zoom -= 1
    inside = float(UNITS[zoom]) / 1000
    return snap(west, south, east + inside, north + inside, zoom)
