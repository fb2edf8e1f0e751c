namespace IotAi.Inference;

/// <summary>One sample's answer: the probability of every label, and which is highest.</summary>
public sealed record Prediction(int LabelIndex, float[] Scores)
{
    public float Confidence => Scores[LabelIndex];

    public static Prediction FromScores(float[] scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return new Prediction(best, scores);
    }
}
