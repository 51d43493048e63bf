"""Board pages, one module per audience: public, citizen, staff."""
