"""The relational registry: regions, sites, enterprises, devices, users, cases."""
