# The cffi extension declared from include/kafka.h (see _cdef.py): its
# functions and constants are the header's, one for one.
from typing import Any

ffi: Any
lib: Any
