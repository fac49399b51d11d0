# Targets whose owners have not landed yet fail loudly instead of passing empty.
# (Each area replaces its line by its own mk/<area>.mk.)
