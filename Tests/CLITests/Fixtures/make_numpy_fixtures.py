#!/usr/bin/env python3
"""Tiny .npy files written by numpy itself, for the reader tests (run by hand; outputs committed).

    python3 Tests/CLITests/Fixtures/make_numpy_fixtures.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
values = np.array([[1.5, -2.0, 3.25], [0.0, 1e-300, -7.0], [2.5, 4.0, 1e300], [-0.125, 6.0, 8.5]])
np.save(os.path.join(HERE, "f8_4x3.npy"), values)
np.save(os.path.join(HERE, "f4_4x3.npy"),
        np.array([[1.5, -2.0, 3.25], [0.0, 0.5, -7.0], [2.5, 4.0, 100.0], [-0.125, 6.0, 8.5]], dtype=np.float32))
np.save(os.path.join(HERE, "f8_1d.npy"), np.array([0.5, 1.5, -2.5, 3.0, 4.0]))
np.save(os.path.join(HERE, "i8_4x3.npy"), np.arange(12).reshape(4, 3))
np.save(os.path.join(HERE, "f8_fortran.npy"), np.asfortranarray(values))
np.save(os.path.join(HERE, "f8_bigendian.npy"), values.astype(">f8"))
print("written")
