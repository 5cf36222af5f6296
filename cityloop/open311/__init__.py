"""Open311 GeoReport v2 at ``/open311/v2/``: services from the catalog, service requests as cases."""
