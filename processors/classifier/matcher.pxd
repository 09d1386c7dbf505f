# C types for the hot locals of matcher.py when setup.py compiles it with Cython (pure
# Python mode: matcher.py stays plain Python and runs as it is without a compiler).
cimport cython

cdef _hit(object term, object first, object last, object start, object end)

@cython.locals(end_pos=Py_ssize_t, size=Py_ssize_t, last=Py_ssize_t, first=Py_ssize_t,
               cased=bint, group=Py_ssize_t, value=tuple, terms=tuple, groups=tuple, order=list, bucket=list)
cpdef list _scan(object automaton, Py_ssize_t width, list words, str stream, list starts, list ends)

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, first=Py_ssize_t, reach=Py_ssize_t,
               same=bint, settled=bint, h=tuple, h_first=Py_ssize_t, h_last=Py_ssize_t)
cpdef bint _sweep(list bucket, list kept)

@cython.locals(a=Py_UCS4, s=Py_UCS4, c=Py_UCS4)
cpdef bint _case_ok(str alias, str surface)

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, h=tuple, first=Py_ssize_t, last=Py_ssize_t,
               prev_first=Py_ssize_t, prev_last=Py_ssize_t)
cpdef bint _in_order(list hits)

cpdef _sort_by_position(list hits)

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, h=tuple, first=Py_ssize_t, last=Py_ssize_t,
               before_first=Py_ssize_t, before_last=Py_ssize_t)
cpdef bint _insertion_sort(list hits, Py_ssize_t budget)

cpdef list _resolve_group(list bucket)

@cython.locals(ordered=list, spans=list, h=tuple, first=Py_ssize_t, last=Py_ssize_t, before_first=Py_ssize_t,
               before_last=Py_ssize_t, i=Py_ssize_t, k=Py_ssize_t, a=Py_ssize_t, b=Py_ssize_t, free=bint)
cpdef _settle(list component, list kept)

@cython.locals(group=Py_ssize_t)
cpdef bint _one_group(list hits)
