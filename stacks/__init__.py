"""The edge of the program: stack settings are read and validated here, then components are composed."""
