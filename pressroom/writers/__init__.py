"""The writers: one module a format (`pdf`, `archival`, `press`, `epub`, `bag`), each listed
in the registry `pressroom.formats`, which imports them only when asked for."""
