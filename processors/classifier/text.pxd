# C types for the hot locals of text.py when setup.py compiles it with Cython (pure
# Python mode: text.py stays plain Python and runs as it is without a compiler).
cimport cython

@cython.locals(i=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, c=Py_UCS4, word=bint, han=bint, apostrophe=bint)
cpdef tuple _tokenize_chars(str text)


@cython.locals(c=Py_UCS4, o=Py_UCS4)
cpdef bint _has_control(str text)

@cython.locals(i=Py_ssize_t, c=Py_UCS4, stop=bint)
cpdef list _sentence_bounds_chars(str text)
