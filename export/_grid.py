"""PNG grids of generated images for the serving examples (numpy + Pillow only)."""

import math

import numpy as np
from PIL import Image


def latents(n, latent_dim, seed):
    """Standard normal latents, float32 [n, latent_dim]."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def save_grid(images, path, padding=2):
    """Writes NHWC images (float in [-1, 1] or uint8) as one PNG grid; returns its size."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = np.clip((images.astype(np.float32) + 1.0) * 127.5 + 0.5, 0, 255)
        images = images.astype(np.uint8)
    n, h, w, c = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.full((rows * (h + padding) + padding, cols * (w + padding) + padding, c), 255,
                   np.uint8)
    for k in range(n):
        top, left = padding + (k // cols) * (h + padding), padding + (k % cols) * (w + padding)
        grid[top:top + h, left:left + w] = images[k]
    Image.fromarray(grid[..., 0] if c == 1 else grid).save(path)
    return grid.shape[1], grid.shape[0]
