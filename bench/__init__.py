"""The benchmark behind `make bench`: the reference firm and the measurements (see __main__)."""
