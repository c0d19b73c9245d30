//! The random numbers behind choice shuffling and answer pools: Python's Mersenne Twister
//! seeded like `random.Random(seed)`, with the Python 2 `shuffle`/`randint` that Open edX
//! uses (`random2`), so a learner sees the choices in the same order as on Open edX and
//! the order never changes between platforms or Lyceum versions.

const N: usize = 624;
const M: usize = 397;

pub(crate) struct PyRandom {
    state: [u32; N],
    index: usize,
}

impl PyRandom {
    /// `random.Random(seed)` for a non-negative integer seed: `init_by_array` over the
    /// seed's 32-bit words, least significant first.
    pub(crate) fn new(seed: u64) -> PyRandom {
        let low = seed as u32;
        let high = (seed >> 32) as u32;
        let key: Vec<u32> = if high == 0 {
            vec![low]
        } else {
            vec![low, high]
        };
        let mut rng = PyRandom {
            state: [0; N],
            index: N,
        };
        rng.init_by_array(&key);
        rng
    }

    fn init_genrand(&mut self, s: u32) {
        self.state[0] = s;
        for i in 1..N {
            let prev = self.state[i - 1];
            self.state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let mut i = 1usize;
        let mut j = 0usize;
        let mut k = N.max(key.len());
        while k > 0 {
            let prev = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.state[0] = self.state[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
            k -= 1;
        }
        k = N - 1;
        while k > 0 {
            let prev = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.state[0] = self.state[N - 1];
                i = 1;
            }
            k -= 1;
        }
        self.state[0] = 0x8000_0000;
        self.index = N;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            for kk in 0..N {
                let y = (self.state[kk] & 0x8000_0000) | (self.state[(kk + 1) % N] & 0x7fff_ffff);
                let mut v = self.state[(kk + M) % N] ^ (y >> 1);
                if y & 1 == 1 {
                    v ^= 0x9908_b0df;
                }
                self.state[kk] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// `random.random()`: 53 random bits in [0, 1).
    pub(crate) fn random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Python 2 `randint(a, b)` = `a + int(random() * (b - a + 1))`.
    pub(crate) fn randint(&mut self, low: usize, high: usize) -> usize {
        let width = (high - low + 1) as f64;
        low + (self.random() * width) as usize
    }

    /// Python 2 `shuffle`: Fisher–Yates from the end with `int(random() * (i + 1))`.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.random() * (i + 1) as f64) as usize;
            items.swap(i, j.min(i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_cpython_random() {
        // Values printed by CPython: random.Random(1).random(), random.Random(2**40+5).random()
        let mut r = PyRandom::new(1);
        assert_eq!(r.random(), 0.134_364_244_112_401_22);
        assert_eq!(r.random(), 0.847_433_736_937_232_7);
        let mut r = PyRandom::new(0);
        assert_eq!(r.random(), 0.844_421_851_525_048_1);
        let mut r = PyRandom::new((1 << 40) + 5);
        assert_eq!(r.random(), 0.504_380_297_041_844_3);
    }

    #[test]
    fn python2_shuffle_order() {
        // The Python 2 algorithm run on CPython's generator.
        for (seed, n, expected) in [
            (1u64, 5usize, vec![1, 4, 2, 3, 0]),
            (42, 6, vec![2, 5, 4, 1, 0, 3]),
            ((1 << 40) + 5, 4, vec![3, 1, 0, 2]),
        ] {
            let mut items: Vec<usize> = (0..n).collect();
            PyRandom::new(seed).shuffle(&mut items);
            assert_eq!(items, expected, "seed {seed}");
        }
    }
}
