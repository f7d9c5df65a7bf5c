"""Open interfaces: Atom feeds, CSV and JSON exports, /data.json, Open311 GeoReport v2."""
