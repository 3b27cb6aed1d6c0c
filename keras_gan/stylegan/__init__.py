"""StyleGAN: a mapping network, a style per layer, style mixing and truncation.

    from keras_gan.stylegan import StyleGAN
    gan = StyleGAN(image_shape=(32, 32, 1))
    gan.compile()
    gan.fit(dataset, epochs=...)
    gan.generate(16, seed=0, truncation_psi=0.7)

Tools: `keras_gan.stylegan.tools` (style-mixing grid, truncation sweep,
projector), `python -m keras_gan.stylegan mix|truncation|project`.
Export: `keras_gan.stylegan.export` (serving signatures take truncation_psi).
"""

from keras_gan.stylegan.model import StyleGAN
from keras_gan.stylegan.networks import StyleGenerator

__all__ = ["StyleGAN", "StyleGenerator"]
