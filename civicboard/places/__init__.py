"""Places: where a problem is (a point and an address line) and the city's neighbourhoods."""
