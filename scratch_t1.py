import numpy as np, optad, time, warnings
import scipy.optimize as so
# HS71
f = lambda x: x[0]*x[3]*(x[0]+x[1]+x[2]) + x[2]
cons = [{"type":"ineq","fun": lambda x: x[0]*x[1]*x[2]*x[3] - 25.0},
        {"type":"eq","fun": lambda x: np.sum(x**2) - 40.0}]
x0 = np.array([1.,5,5,1])
for inner in ["trust-ncg","lbfgs","newton-cg"]:
  for rep in range(2):
    t=time.perf_counter()
    r = optad.minimize(f, x0, bounds=[(1,5)]*4, constraints=cons, options={"inner":inner})
    print(inner, time.perf_counter()-t, r.x, r.fun, r.status, r.constr_violation, r.v, r.nit, r.outer_iterations, r.optimality)
print(r.message)
t=time.perf_counter()
s = so.minimize(f, x0, method="SLSQP", bounds=[(1,5)]*4, constraints=cons)
print("slsqp", time.perf_counter()-t, s.x, s.fun)
