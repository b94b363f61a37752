"""The truncation trick in W (StyleGAN's `G_style`): W+ latents pulled towards their average."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class TruncationTrick(keras.layers.Layer):
    """At inference, `w_avg + (w - w_avg) * psi` on the W+ rows before `cutoff`; the identity in
    training.

    Holds `w_avg` (`[dim]`, zeros at first), a non-trainable float32
    variable as the official `dlatent_avg`: the training loop tracks the
    average of the mapping network's output into it, and it is saved with the
    weights. As the official `G_style`, truncation is applied only when not
    training (`training=True` returns `w` unchanged), and only to the layers
    `< cutoff` (`None`: every layer). `psi=1` is the identity and `psi=0`
    gives `w_avg` on the truncated rows.

    Args:
        psi: the style strength multiplier (official default 0.7).
        cutoff: the number of W+ rows truncated (official default 8), or
            `None` for all.

    Examples:

    >>> import numpy as np
    >>> layer = TruncationTrick(psi=0.5, cutoff=1)
    >>> w = np.ones((1, 2, 3), "float32")
    >>> np.asarray(layer(w))[0].tolist()  # w_avg is 0: row 0 halved, row 1 kept
    [[0.5, 0.5, 0.5], [1.0, 1.0, 1.0]]
    >>> np.asarray(layer(w, training=True))[0, 0].tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, psi=0.7, cutoff=8, **kwargs):
        kwargs.setdefault("dtype", "float32")  # W latents stay float32 under mixed precision
        super().__init__(**kwargs)
        if not isinstance(psi, (int, float)) or isinstance(psi, bool):
            raise ValueError(f"`psi` must be a number. Received: psi={psi!r}")
        if cutoff is not None and (not isinstance(cutoff, int) or isinstance(cutoff, bool)
                                   or cutoff < 0):
            raise ValueError("`cutoff` must be None or a non-negative integer. "
                             f"Received: cutoff={cutoff!r}")
        self.psi = float(psi)
        self.cutoff = cutoff

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None or input_shape[1] is None:
            raise ValueError("TruncationTrick needs W+ latents [batch, num_layers, dim] of "
                             f"known size. Received: input_shape={input_shape}")
        self.num_layers = input_shape[1]
        self.w_avg = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                     dtype="float32", trainable=False, name="w_avg")

    def call(self, w, training=None):
        if training or self.psi == 1.0:
            return w
        rows = self.num_layers if self.cutoff is None else min(self.cutoff, self.num_layers)
        coefs = ops.convert_to_tensor(
            [[self.psi]] * rows + [[1.0]] * (self.num_layers - rows), "float32")
        w32 = ops.cast(w, "float32")
        w_avg = ops.convert_to_tensor(self.w_avg)
        return ops.cast(w_avg + (w32 - w_avg) * coefs, w.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "psi": self.psi, "cutoff": self.cutoff}
