# Pure Python: a sieve and a loop, no imports beyond the standard library
def primes(n):
    sieve = bytearray([1]) * (n + 1)
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(n ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytearray(len(sieve[i * i::i]))
    return [i for i, v in enumerate(sieve) if v]

p = primes(200_000)
print(len(p), p[-1], sum(p) % 1_000_007)
total = 0
for i in range(300_000):
    total += i * i % 7
print(total)
