"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over minsheng's messages."""
