# A C helper for matcher.py when setup.py compiles it with Cython (cimported only there, under
# `if cython.compiled`): there is no module behind this file, only the declaration below.

cdef extern from *:
    """
    /* An instance of a tuple subtype with n empty items: what tuple.__new__(type, ...)
       allocates before it copies the items in (the type is passed as an object). */
    #define oreradar_new_tuple_of(type, n) PyType_GenericAlloc((PyTypeObject *)(type), (n))
    """
    object new_tuple_of "oreradar_new_tuple_of"(object type, Py_ssize_t n)
