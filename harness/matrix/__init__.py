"""`python -m harness matrix` (`make matrix`): the local suite over every offered runtime x
architecture, one table."""
