# Linear algebra with a seeded generator: solve, inverse, eigenvalues
import numpy as np

rng = np.random.default_rng(42)
a = rng.normal(size=(50, 50)) + 50 * np.eye(50)
b = rng.normal(size=50)
x = np.linalg.solve(a, b)
print("residual below 1e-9:", bool(np.linalg.norm(a @ x - b) < 1e-9))
print("det sign:", int(np.sign(np.linalg.det(a))))
print("largest eigenvalue (rounded):", round(float(max(abs(np.linalg.eigvals(a)))), 2))
