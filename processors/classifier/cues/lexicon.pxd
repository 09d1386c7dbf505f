# C types for the hot loop of lexicon.py when setup.py compiles it with Cython (pure
# Python mode: lexicon.py stays plain Python and runs as it is without a compiler).
cimport cython

@cython.locals(hits=list, rules=list, others=list, taken=set, ta=tuple, tb=tuple, lo=tuple, hi=tuple,
               a_first=Py_ssize_t, a_last=Py_ssize_t, b_first=Py_ssize_t, b_last=Py_ssize_t, gap=Py_ssize_t)
cpdef list _pair_hits(dict by_key, dict pairs_by_left, Py_ssize_t window, object text)
