# C types for the hot loop of sentences.py when setup.py compiles it with Cython (pure
# Python mode: sentences.py stays plain Python and runs as it is without a compiler).
cimport cython

cpdef list _true_ends(str text, list bounds, frozenset before_number, frozenset before_name, Py_ssize_t longest)

@cython.locals(j=Py_ssize_t, i=Py_ssize_t, k=Py_ssize_t, following=Py_UCS4)
cpdef bint _ends(str text, Py_ssize_t bound, Py_ssize_t n, frozenset before_number, frozenset before_name,
                Py_ssize_t longest)
