# C types for the hot loops of analysis.py when setup.py compiles it with Cython (pure
# Python mode: analysis.py stays plain Python and runs as it is without a compiler).
cimport cython

@cython.locals(out=list, n=Py_ssize_t, s=Py_ssize_t, previous=Py_ssize_t, start=Py_ssize_t, bound=Py_ssize_t)
cpdef list _sentences_of(list hits, list bounds)
