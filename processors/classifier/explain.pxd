# C types for the hot locals of explain.py when setup.py compiles it with Cython (pure
# Python mode: explain.py stays plain Python and runs as it is without a compiler).
cimport cython

@cython.locals(hit=tuple, n=Py_ssize_t)
cpdef _add_entity_hits(str field, object hits, str text, dict count, set seen, Py_ssize_t limit, object append)
