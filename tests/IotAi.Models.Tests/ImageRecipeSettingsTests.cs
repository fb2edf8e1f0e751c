namespace IotAi.Models.Tests;

/// <summary>The recipe's settings as users write them, in the CLI's options and the model API's query alike.</summary>
public sealed class ImageRecipeSettingsTests
{
    private static readonly ImagePreprocessing Rgb = new(224, 224, ChannelOrder.Rgb);

    [Fact]
    public void Each_setting_changes_its_part_of_the_recipe_and_nothing_else()
    {
        var recipe = new ImageRecipeSettings(Layout: "NHWC", Scale: "0.5", Mean: "1, 2, 3", Std: "4,5,6", Resize: "letterbox:114").ApplyTo(Rgb);

        Assert.Equal((TensorLayout.Nhwc, 0.5f, ResizeMode.Letterbox, (byte)114), (recipe.Layout, recipe.Scale, recipe.Resize, recipe.PadValue));
        Assert.Equal([1f, 2f, 3f], recipe.Mean);
        Assert.Equal([4f, 5f, 6f], recipe.Std);
        Assert.Equal((224, 224, ChannelOrder.Rgb, PixelType.Float32), (recipe.Width, recipe.Height, recipe.Channels, recipe.ElementType));
    }

    [Fact]
    public void A_crop_takes_its_shorter_side_and_uint8_its_own_scale()
    {
        var crop = new ImageRecipeSettings(Resize: "crop:256").ApplyTo(Rgb);
        Assert.Equal((ResizeMode.Crop, 256), (crop.Resize, crop.ResizeTo));

        var bytes = new ImageRecipeSettings(ElementType: "uint8").ApplyTo(Rgb);
        Assert.Equal((PixelType.UInt8, 1f), (bytes.ElementType, bytes.EffectiveScale));
    }

    [Fact]
    public void No_settings_leave_the_recipe_as_it_was() =>
        Assert.Equal(ImagePreprocessing.ImageNet(), new ImageRecipeSettings().ApplyTo(ImagePreprocessing.ImageNet()));

    [Theory]
    [InlineData("layout", "sideways", "layout is one of nchw, nhwc, not 'sideways'")]
    [InlineData("dtype", "int16", "dtype is one of float32, uint8")]
    [InlineData("scale", "a lot", "scale is a number")]
    [InlineData("mean", "0.5,x,0.5", "mean is a number")]
    [InlineData("mean", "0.5,0.5", "mean has 2 values; a rgb image needs 3")]
    [InlineData("std", "1,0,1", "must be positive")]
    [InlineData("resize", "stretch:3", "resize is stretch, crop, crop:SHORTER_SIDE or letterbox:PAD_VALUE")]
    [InlineData("resize", "letterbox:300", "letterbox:PAD_VALUE (0-255)")]
    [InlineData("resize", "crop:100", "at least 224")]
    public void A_setting_that_does_not_read_or_work_is_refused_saying_why(string name, string value, string expected)
    {
        var settings = ImageRecipeSettings.From(setting => setting == name ? value : null);

        var refusal = Assert.Throws<ArgumentException>(() => settings.ApplyTo(Rgb));

        Assert.Contains(expected, refusal.Message, StringComparison.Ordinal);
    }
}
