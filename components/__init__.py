"""One ComponentResource per concern. Components take typed args and an explicit provider; they never read config."""
