namespace IotAi.Models;

/// <summary>Which colour channels an image input takes, in order.</summary>
public enum ChannelOrder
{
    /// <summary>One channel: the luminance (0.299 R + 0.587 G + 0.114 B).</summary>
    Gray,

    /// <summary>Red, green, blue.</summary>
    Rgb,

    /// <summary>Blue, green, red, as models trained on OpenCV's images expect.</summary>
    Bgr,
}

/// <summary>How an image's values are laid out in the input tensor.</summary>
public enum TensorLayout
{
    /// <summary>Planar: <c>[batch, channel, height, width]</c>, as PyTorch models take.</summary>
    Nchw,

    /// <summary>Interleaved: <c>[batch, height, width, channel]</c>, as TensorFlow models take.</summary>
    Nhwc,
}

/// <summary>The element type of an image input tensor.</summary>
#pragma warning disable CA1720 // The names are the tensor types' own, as manifests and users write them.
public enum PixelType
{
    Float32,

    /// <summary>The pixels' own 0–255 values, as quantized and TensorFlow Lite models take.</summary>
    UInt8,
}
#pragma warning restore CA1720

/// <summary>How an image is fitted to the input's size.</summary>
public enum ResizeMode
{
    /// <summary>Resized to the input's size, whatever its aspect ratio.</summary>
    Stretch,

    /// <summary>The shorter side resized to <see cref="ImagePreprocessing.ResizeTo"/>, then the centre cut out.</summary>
    Crop,

    /// <summary>Resized to fit whole, keeping its aspect ratio, and the rest padded with <see cref="ImagePreprocessing.PadValue"/>.</summary>
    Letterbox,
}
