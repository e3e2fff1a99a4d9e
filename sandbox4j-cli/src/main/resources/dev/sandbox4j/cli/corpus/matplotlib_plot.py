# A plot saved as PNG (and shown: the sandbox captures shown figures as artifacts)
import matplotlib
import matplotlib.pyplot as plt
import numpy as np

x = np.linspace(0, 2 * np.pi, 200)
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(x, np.sin(x), label="sin")
ax.plot(x, np.cos(x), label="cos")
ax.set_title("Waves")
ax.legend()
fig.savefig("waves.png")
plt.show()
print("backend:", matplotlib.get_backend().lower())
