# C types for the hot locals of amounts.py when setup.py compiles it with Cython (pure
# Python mode: amounts.py stays plain Python and runs as it is without a compiler).
cimport cython

@cython.locals(resume=Py_ssize_t, i=Py_ssize_t, c=Py_UCS4, p=Py_UCS4, o=Py_UCS4)
cpdef list _figures_chars(str text)
