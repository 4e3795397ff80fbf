"""The Moré-Garbow-Hillstrom (1981) unconstrained test problems 1-28 ("Testing unconstrained
optimization software", ACM TOMS 7), as plain-NumPy sums of squares optad can trace.

Each entry of PROBLEMS is (name, fun, x0, minima): the standard starting point and the minimum
values the paper reports (section 3; local minima it lists are included, as a solver that stops
there has solved the problem as posed).  Variable-dimension problems use n = 10 (Watson n = 6,
extended Powell n = 8, Gulf research m = 99).  Used by test_minimize_mgh.py and
benchmarks/bench_mgh.py.
"""
import numpy as np


def _sq(*parts):
    total = 0.0
    for part in parts:
        total = total + np.sum(part ** 2)
    return total


def rosenbrock(x):                       # 1
    return _sq(10 * (x[1] - x[0] ** 2), 1 - x[0])


def freudenstein_roth(x):                # 2
    return _sq(-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1],
               -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1])


def powell_badly_scaled(x):              # 3
    return _sq(1e4 * x[0] * x[1] - 1, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001)


def brown_badly_scaled(x):               # 4
    return _sq(x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2)


_BEALE_Y = np.array([1.5, 2.25, 2.625])
_BEALE_I = np.array([1.0, 2.0, 3.0])


def beale(x):                            # 5
    return _sq(_BEALE_Y - x[0] * (1 - x[1] ** _BEALE_I))


_I10 = np.arange(1, 11, dtype=float)


def jennrich_sampson(x):                 # 6, m = 10
    return _sq(2 + 2 * _I10 - (np.exp(_I10 * x[0]) + np.exp(_I10 * x[1])))


def helical_valley(x):                   # 7
    theta = np.arctan(x[1] / x[0]) / (2 * np.pi) + np.where(x[0] < 0, 0.5, 0.0)
    return _sq(10 * (x[2] - 10 * theta), 10 * (np.sqrt(x[0] ** 2 + x[1] ** 2) - 1), x[2])


_BARD_Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96,
                    1.34, 2.10, 4.39])
_BARD_U = np.arange(1, 16, dtype=float)
_BARD_V = 16 - _BARD_U
_BARD_W = np.minimum(_BARD_U, _BARD_V)


def bard(x):                             # 8
    return _sq(_BARD_Y - (x[0] + _BARD_U / (_BARD_V * x[1] + _BARD_W * x[2])))


_GAUSS_Y = np.array([0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521,
                     0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009])
_GAUSS_T = (8 - np.arange(1, 16, dtype=float)) / 2


def gaussian(x):                         # 9
    return _sq(x[0] * np.exp(-x[1] * (_GAUSS_T - x[2]) ** 2 / 2) - _GAUSS_Y)


_MEYER_Y = np.array([34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005,
                     5147, 4427, 3820, 3307, 2872], dtype=float)
_MEYER_T = 45 + 5 * np.arange(1, 17, dtype=float)


def meyer(x):                            # 10
    return _sq(x[0] * np.exp(x[1] / (_MEYER_T + x[2])) - _MEYER_Y)


_GULF_T = np.arange(1, 100, dtype=float) / 100
_GULF_Y = 25 + (-50 * np.log(_GULF_T)) ** (2 / 3)


def gulf(x):                             # 11, m = 99
    return _sq(np.exp(-np.abs(_GULF_Y - x[1]) ** x[2] / x[0]) - _GULF_T)


_BOX_T = 0.1 * _I10


def box3d(x):                            # 12, m = 10
    return _sq(np.exp(-_BOX_T * x[0]) - np.exp(-_BOX_T * x[1])
               - x[2] * (np.exp(-_BOX_T) - np.exp(-10 * _BOX_T)))


def powell_singular(x):                  # 13
    return _sq(x[0] + 10 * x[1], np.sqrt(5.0) * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2,
               np.sqrt(10.0) * (x[0] - x[3]) ** 2)


def wood(x):                             # 14
    return _sq(10 * (x[1] - x[0] ** 2), 1 - x[0], np.sqrt(90.0) * (x[3] - x[2] ** 2), 1 - x[2],
               np.sqrt(10.0) * (x[1] + x[3] - 2), (x[1] - x[3]) / np.sqrt(10.0))


_KO_Y = np.array([0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323,
                  0.0235, 0.0246])
_KO_U = np.array([4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])


def kowalik_osborne(x):                  # 15
    return _sq(_KO_Y - x[0] * (_KO_U ** 2 + _KO_U * x[1]) / (_KO_U ** 2 + _KO_U * x[2] + x[3]))


_BD_T = np.arange(1, 21, dtype=float) / 5


def brown_dennis(x):                     # 16, m = 20
    return _sq((x[0] + _BD_T * x[1] - np.exp(_BD_T)) ** 2
               + (x[2] + x[3] * np.sin(_BD_T) - np.cos(_BD_T)) ** 2)


_OS1_Y = np.array([0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784,
                   0.751, 0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522,
                   0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420,
                   0.414, 0.411, 0.406])
_OS1_T = 10 * np.arange(33, dtype=float)


def osborne1(x):                         # 17
    return _sq(_OS1_Y - (x[0] + x[1] * np.exp(-_OS1_T * x[3]) + x[2] * np.exp(-_OS1_T * x[4])))


_BIGGS_T = 0.1 * np.arange(1, 14, dtype=float)
_BIGGS_Y = np.exp(-_BIGGS_T) - 5 * np.exp(-10 * _BIGGS_T) + 3 * np.exp(-4 * _BIGGS_T)


def biggs_exp6(x):                       # 18, m = 13
    return _sq(x[2] * np.exp(-_BIGGS_T * x[0]) - x[3] * np.exp(-_BIGGS_T * x[1])
               + x[5] * np.exp(-_BIGGS_T * x[4]) - _BIGGS_Y)


_OS2_Y = np.array([1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725,
                   0.746, 0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724,
                   0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495,
                   0.500, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429,
                   0.523, 0.562, 0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632,
                   0.591, 0.559, 0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581,
                   0.428, 0.292, 0.162, 0.098, 0.054])
_OS2_T = np.arange(65, dtype=float) / 10


def osborne2(x):                         # 19
    t = _OS2_T
    model = (x[0] * np.exp(-t * x[4]) + x[1] * np.exp(-(t - x[8]) ** 2 * x[5])
             + x[2] * np.exp(-(t - x[9]) ** 2 * x[6]) + x[3] * np.exp(-(t - x[10]) ** 2 * x[7]))
    return _sq(_OS2_Y - model)


_WATSON_T = np.arange(1, 30, dtype=float) / 29


def watson(x):                           # 20, n = 6
    n = x.shape[0]
    j = np.arange(n, dtype=float)
    powers = _WATSON_T[:, None] ** j[None, :]                     # t^(j-1), j = 1..n
    s1 = (powers[:, :-1] * j[None, 1:]) @ x[1:]                  # sum (j-1) x_j t^(j-2)
    s2 = powers @ x
    return _sq(s1 - s2 ** 2 - 1, x[0], x[1] - x[0] ** 2 - 1)


def extended_rosenbrock(x):              # 21
    return _sq(10 * (x[1::2] - x[::2] ** 2), 1 - x[::2])


def extended_powell(x):                  # 22
    a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
    return _sq(a + 10 * b, np.sqrt(5.0) * (c - d), (b - 2 * c) ** 2,
               np.sqrt(10.0) * (a - d) ** 2)


def penalty1(x):                         # 23
    return _sq(np.sqrt(1e-5) * (x - 1), np.sum(x ** 2) - 0.25)


def penalty2(x):                         # 24
    n = x.shape[0]
    i = np.arange(2, n + 1, dtype=float)
    y = np.exp(i / 10) + np.exp((i - 1) / 10)
    weights = np.arange(n, 0, -1, dtype=float)
    return _sq(x[0] - 0.2, np.sqrt(1e-5) * (np.exp(x[1:] / 10) + np.exp(x[:-1] / 10) - y),
               np.sqrt(1e-5) * (np.exp(x[1:] / 10) - np.exp(-0.1)),
               np.sum(weights * x ** 2) - 1)


def variably_dimensioned(x):             # 25
    j = np.arange(1, x.shape[0] + 1)
    s = np.sum(j * (x - 1))
    return _sq(x - 1, s, s ** 2)


def trigonometric(x):                    # 26
    n = x.shape[0]
    j = np.arange(1, n + 1)
    return _sq(n - np.sum(np.cos(x)) + j * (1 - np.cos(x)) - np.sin(x))


def brown_almost_linear(x):              # 27
    n = x.shape[0]
    return _sq(x[:-1] + np.sum(x) - (n + 1), np.prod(x) - 1)


def discrete_boundary_value(x):          # 28
    n = x.shape[0]
    h = 1 / (n + 1)
    t = h * np.arange(1, n + 1)
    padded = np.concatenate([np.zeros(1), x, np.zeros(1)])
    return _sq(2 * x - padded[:-2] - padded[2:] + h ** 2 * (x + t + 1) ** 3 / 2)


def _dbv_x0(n):
    t = np.arange(1, n + 1) / (n + 1)
    return t * (t - 1)


PROBLEMS = [
    ("rosenbrock", rosenbrock, [-1.2, 1.0], (0.0,)),
    ("freudenstein_roth", freudenstein_roth, [0.5, -2.0], (0.0, 48.9842)),
    ("powell_badly_scaled", powell_badly_scaled, [0.0, 1.0], (0.0,)),
    ("brown_badly_scaled", brown_badly_scaled, [1.0, 1.0], (0.0,)),
    ("beale", beale, [1.0, 1.0], (0.0,)),
    ("jennrich_sampson", jennrich_sampson, [0.3, 0.4], (124.362,)),
    ("helical_valley", helical_valley, [-1.0, 0.0, 0.0], (0.0,)),
    ("bard", bard, [1.0, 1.0, 1.0], (8.21487e-3, 17.4286)),
    ("gaussian", gaussian, [0.4, 1.0, 0.0], (1.12793e-8,)),
    ("meyer", meyer, [0.02, 4000.0, 250.0], (87.9458,)),
    ("gulf", gulf, [5.0, 2.5, 0.15], (0.0,)),
    ("box3d", box3d, [0.0, 10.0, 20.0], (0.0,)),
    ("powell_singular", powell_singular, [3.0, -1.0, 0.0, 1.0], (0.0,)),
    ("wood", wood, [-3.0, -1.0, -3.0, -1.0], (0.0,)),
    ("kowalik_osborne", kowalik_osborne, [0.25, 0.39, 0.415, 0.39], (3.07505e-4, 1.02734e-3)),
    ("brown_dennis", brown_dennis, [25.0, 5.0, -5.0, -1.0], (85822.2,)),
    ("osborne1", osborne1, [0.5, 1.5, -1.0, 0.01, 0.02], (5.46489e-5,)),
    ("biggs_exp6", biggs_exp6, [1.0, 2.0, 1.0, 1.0, 1.0, 1.0], (0.0, 5.65565e-3)),
    ("osborne2", osborne2, [1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5],
     (4.01377e-2,)),
    ("watson", watson, [0.0] * 6, (2.28767e-3,)),
    ("extended_rosenbrock", extended_rosenbrock, [-1.2, 1.0] * 5, (0.0,)),
    ("extended_powell", extended_powell, [3.0, -1.0, 0.0, 1.0] * 2, (0.0,)),
    ("penalty1", penalty1, list(np.arange(1.0, 11.0)), (7.08765e-5,)),
    ("penalty2", penalty2, [0.5] * 10, (2.93660e-4,)),
    ("variably_dimensioned", variably_dimensioned, list(1 - np.arange(1, 11) / 10), (0.0,)),
    ("trigonometric", trigonometric, [0.1] * 10, (0.0, 2.79506e-5)),
    ("brown_almost_linear", brown_almost_linear, [0.5] * 10, (0.0, 1.0)),
    ("discrete_boundary_value", discrete_boundary_value, list(_dbv_x0(10)), (0.0,)),
]


def solved(f, minima):
    """f at one of the published minimum values (they carry 6 significant digits)."""
    return any(abs(f - m) <= 1e-6 * max(1.0, abs(m)) + 1e-5 * abs(m) for m in minima)
