"""REST endpoints, one module per audience: public, directory, citizen, staff, tokens."""
