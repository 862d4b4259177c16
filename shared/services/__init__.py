"""Services: one use case each (collect a window, allocate a period, read unit costs)."""
