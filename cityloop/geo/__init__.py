"""Unit grids, roads and the spatial index that turns a point into grid, community, street and district."""
