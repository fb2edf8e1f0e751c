namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// Reads the Topic Alias property out of the bytes of an MQTT 5 PUBLISH as they arrive, without keeping them. MQTTnet
/// reads an alias of 0 as no alias, so a client that sends 0 (MQTT-3.3.2-8) would never be told; and it takes any
/// alias up to 65,535, so one client could make it remember that many topics. Only the variable header is followed;
/// the payload is skipped.
/// </summary>
internal sealed class TopicAliasProbe(ushort maximum)
{
    private enum Step
    {
        TopicLength,
        Topic,
        PacketId,
        PropertiesLength,
        PropertyId,
        Value,
        StringLength,
        String,
        VarInt,
        Done,
    }

    private Step _step = Step.Done;
    private int _need;
    private int _value;
    private int _shift;
    private int _propertiesLeft;
    private int _stringsLeft;
    private bool _hasPacketId;
    private bool _readingAlias;

    /// <summary>Starts on a new PUBLISH; <paramref name="fixedHeader"/> is its first byte, which holds its QoS.</summary>
    public void Start(byte fixedHeader)
    {
        _hasPacketId = (fixedHeader & 0x06) != 0;
        Begin(Step.TopicLength);
    }

    /// <summary>Follows the next bytes of the PUBLISH's body; returns the alias once it is read and out of bounds (0 or over the maximum), else null.</summary>
    public int? Read(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length && _step != Step.Done)
        {
            if (_step is Step.Topic or Step.String)
            {
                // What is left of a string is skipped at once.
                var skip = Math.Min(_need, bytes.Length - i);
                (i, _need) = (i + skip, _need - skip);
                if (_step == Step.String)
                {
                    _propertiesLeft -= skip;
                }

                if (_need == 0)
                {
                    if (_step == Step.Topic)
                    {
                        Begin(_hasPacketId ? Step.PacketId : Step.PropertiesLength);
                    }
                    else
                    {
                        EndString();
                    }
                }

                continue;
            }

            var b = bytes[i++];
            if (_step is not (Step.TopicLength or Step.PacketId or Step.PropertiesLength))
            {
                _propertiesLeft--;
            }

            if (Take(b) is { } outOfBounds)
            {
                return outOfBounds;
            }
        }

        return null;
    }

    /// <summary>Takes one byte of a length, an id or a value.</summary>
    private int? Take(byte b)
    {
        switch (_step)
        {
            case Step.TopicLength:
                _value = (_value << 8) | b;
                if (--_need == 0)
                {
                    if (_value == 0)
                    {
                        Begin(_hasPacketId ? Step.PacketId : Step.PropertiesLength);
                    }
                    else
                    {
                        (_step, _need) = (Step.Topic, _value);
                    }
                }

                break;
            case Step.PacketId:
                if (--_need == 0)
                {
                    Begin(Step.PropertiesLength);
                }

                break;
            case Step.PropertiesLength:
                _value |= (b & 0x7F) << _shift;
                _shift += 7;
                if ((b & 0x80) == 0)
                {
                    _propertiesLeft = _value;
                    NextProperty();
                }
                else if (_shift >= 28)
                {
                    _step = Step.Done;
                }

                break;
            case Step.PropertyId:
                switch (b)
                {
                    case 0x01: BeginValue(1, alias: false); break;
                    case 0x02: BeginValue(4, alias: false); break;
                    case 0x23: BeginValue(2, alias: true); break;
                    case 0x03 or 0x08 or 0x09: BeginStrings(1); break;
                    case 0x26: BeginStrings(2); break;
                    case 0x0B: Begin(Step.VarInt); break;
                    // A property a PUBLISH cannot carry: MQTTnet refuses the packet as malformed.
                    default: _step = Step.Done; break;
                }

                break;
            case Step.Value:
                _value = (_value << 8) | b;
                if (--_need == 0)
                {
                    if (_readingAlias && (_value == 0 || _value > maximum))
                    {
                        _step = Step.Done;
                        return _value;
                    }

                    NextProperty();
                }

                break;
            case Step.VarInt:
                if ((b & 0x80) == 0)
                {
                    NextProperty();
                }

                break;
            case Step.StringLength:
                _value = (_value << 8) | b;
                if (--_need == 0)
                {
                    if (_value == 0)
                    {
                        EndString();
                    }
                    else
                    {
                        (_step, _need) = (Step.String, _value);
                    }
                }

                break;
        }

        return null;
    }

    private void Begin(Step step) =>
        (_step, _value, _shift, _need) = (step, 0, 0, step is Step.TopicLength or Step.PacketId or Step.StringLength ? 2 : 0);

    private void BeginValue(int bytes, bool alias) => (_step, _need, _value, _readingAlias) = (Step.Value, bytes, 0, alias);

    private void BeginStrings(int count)
    {
        _stringsLeft = count;
        Begin(Step.StringLength);
    }

    private void EndString()
    {
        if (--_stringsLeft > 0)
        {
            Begin(Step.StringLength);
        }
        else
        {
            NextProperty();
        }
    }

    /// <summary>On to the next property, or done once the property block is spent.</summary>
    private void NextProperty()
    {
        if (_propertiesLeft <= 0)
        {
            _step = Step.Done;
        }
        else
        {
            Begin(Step.PropertyId);
        }
    }
}
