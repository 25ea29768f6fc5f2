package printspool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The subset of RFC 8010 (IPP/1.1 encoding) that purging needs. It is kept
// free of any transport so that it builds and is tested on every system the
// agent targets.

// Group delimiter tags (RFC 8010 §3.5.1).
const (
	tagOperationGroup  byte = 0x01
	tagJobGroup        byte = 0x02
	tagEndOfAttributes byte = 0x03
	tagPrinterGroup    byte = 0x04
)

// Value tags (RFC 8010 §3.5.2).
const (
	tagInteger          byte = 0x21
	tagBoolean          byte = 0x22
	tagEnum             byte = 0x23
	tagTextWithLanguage byte = 0x35
	tagNameWithLanguage byte = 0x36
	tagText             byte = 0x41
	tagName             byte = 0x42
	tagKeyword          byte = 0x44
	tagURI              byte = 0x45
	tagURIScheme        byte = 0x46
	tagCharset          byte = 0x47
	tagNaturalLanguage  byte = 0x48
	tagMimeMediaType    byte = 0x49
)

// Operation ids (RFC 8011 §5.4.15).
const (
	opCancelJob uint16 = 0x0008
	opGetJobs   uint16 = 0x000A
)

// Job states (RFC 8011 §5.3.7): those at or above jobCanceled are terminal.
const (
	jobPending           = 3
	jobPendingHeld       = 4
	jobProcessing        = 5
	jobProcessingStopped = 6
	jobCanceled          = 7
	jobAborted           = 8
	jobCompleted         = 9
)

// statusOKConflicting is the last of the successful status codes
// (RFC 8011 §B.1.2): anything above it is an error.
const statusOKConflicting = 0x0002

// Limits on what the decoder accepts. The scheduler is trusted more than a
// network peer, but a decoder that allocates without bound, or panics, on a
// corrupt answer would take the whole end-of-session cleaning down with it.
const (
	maxMessageSize = 8 << 20
	maxAttributes  = 100000
)

var errTruncated = errors.New("ipp: truncated message")

type value struct {
	tag  byte
	data []byte // as on the wire: the decoder does not interpret it
}

type attribute struct {
	name   string
	values []value
}

type group struct {
	tag   byte
	attrs []attribute
}

// message is a request or a response: code is the operation id of a request
// and the status code of a response.
type message struct {
	major, minor uint8
	code         uint16
	requestID    uint32
	groups       []group
	data         []byte // document data after the attributes, unused here
}

func (a attribute) first() (value, bool) {
	if len(a.values) == 0 {
		return value{}, false
	}
	return a.values[0], true
}

// integer reads integer and enum values, the two 4-byte signed encodings.
func (v value) integer() (int32, bool) {
	if (v.tag != tagInteger && v.tag != tagEnum) || len(v.data) != 4 {
		return 0, false
	}
	return int32(binary.BigEndian.Uint32(v.data)), true
}

func (v value) boolean() (bool, bool) {
	if v.tag != tagBoolean || len(v.data) != 1 {
		return false, false
	}
	return v.data[0] != 0, true
}

// text reads the character-string values; the *WithLanguage forms carry
// their language first (RFC 8010 §3.9), which is dropped.
func (v value) text() (string, bool) {
	switch v.tag {
	case tagText, tagName, tagKeyword, tagURI, tagCharset, tagNaturalLanguage, tagMimeMediaType, tagURIScheme:
		return string(v.data), true
	case tagTextWithLanguage, tagNameWithLanguage:
		d := v.data
		if len(d) < 2 {
			return "", false
		}
		n := int(binary.BigEndian.Uint16(d))
		d = d[2:]
		if len(d) < n+2 {
			return "", false
		}
		d = d[n:]
		m := int(binary.BigEndian.Uint16(d))
		d = d[2:]
		if len(d) != m {
			return "", false
		}
		return string(d), true
	}
	return "", false
}

func (g group) get(name string) (attribute, bool) {
	for _, a := range g.attrs {
		if a.name == name {
			return a, true
		}
	}
	return attribute{}, false
}

// Constructors for the attribute syntaxes requests use.

func integerAttr(name string, n int32) attribute {
	return attribute{name, []value{{tagInteger, binary.BigEndian.AppendUint32(nil, uint32(n))}}}
}

func enumAttr(name string, n int32) attribute {
	return attribute{name, []value{{tagEnum, binary.BigEndian.AppendUint32(nil, uint32(n))}}}
}

func booleanAttr(name string, b bool) attribute {
	d := []byte{0}
	if b {
		d[0] = 1
	}
	return attribute{name, []value{{tagBoolean, d}}}
}

func stringsAttr(tag byte, name string, ss ...string) attribute {
	a := attribute{name: name}
	for _, s := range ss {
		a.values = append(a.values, value{tag, []byte(s)})
	}
	return a
}

func keywordAttr(name string, ss ...string) attribute { return stringsAttr(tagKeyword, name, ss...) }
func nameAttr(name, s string) attribute               { return stringsAttr(tagName, name, s) }
func uriAttr(name, s string) attribute                { return stringsAttr(tagURI, name, s) }

// newRequest starts an IPP/1.1 request with the operation attributes that
// RFC 8011 §4.1.4 requires first, in this order.
func newRequest(op uint16, id uint32, target attribute, user string, more ...attribute) *message {
	attrs := []attribute{
		stringsAttr(tagCharset, "attributes-charset", "utf-8"),
		stringsAttr(tagNaturalLanguage, "attributes-natural-language", "en"),
		target,
		nameAttr("requesting-user-name", user),
	}
	return &message{
		major: 1, minor: 1, code: op, requestID: id,
		groups: []group{{tagOperationGroup, append(attrs, more...)}},
	}
}

// encode refuses, rather than truncates, what the 16-bit lengths of the
// format cannot hold: a cut user name could name somebody else.
func (m *message) encode() ([]byte, error) {
	b := []byte{m.major, m.minor}
	b = binary.BigEndian.AppendUint16(b, m.code)
	b = binary.BigEndian.AppendUint32(b, m.requestID)
	for _, g := range m.groups {
		if g.tag == 0 || g.tag > 0x0f || g.tag == tagEndOfAttributes {
			return nil, fmt.Errorf("ipp: encode: 0x%02x is not a group tag", g.tag)
		}
		b = append(b, g.tag)
		for _, a := range g.attrs {
			if a.name == "" || len(a.name) > math.MaxUint16 {
				return nil, fmt.Errorf("ipp: encode: attribute name of %d bytes", len(a.name))
			}
			if len(a.values) == 0 {
				return nil, fmt.Errorf("ipp: encode: attribute %q has no value", a.name)
			}
			for i, v := range a.values {
				if v.tag < 0x10 {
					return nil, fmt.Errorf("ipp: encode: attribute %q: 0x%02x is not a value tag", a.name, v.tag)
				}
				if len(v.data) > math.MaxUint16 {
					return nil, fmt.Errorf("ipp: encode: attribute %q: value of %d bytes is too long", a.name, len(v.data))
				}
				name := a.name
				if i > 0 {
					name = "" // 1setOf: later values repeat with an empty name
				}
				b = append(b, v.tag)
				b = binary.BigEndian.AppendUint16(b, uint16(len(name)))
				b = append(b, name...)
				b = binary.BigEndian.AppendUint16(b, uint16(len(v.data)))
				b = append(b, v.data...)
			}
		}
	}
	b = append(b, tagEndOfAttributes)
	return append(b, m.data...), nil
}

// decode parses a whole message. Every length is checked against what is
// left before use, so a corrupt or hostile answer gives an error, never a
// panic or an allocation larger than the input. Values are copied so that
// the result does not pin the input buffer.
func decode(b []byte) (*message, error) {
	if len(b) > maxMessageSize {
		return nil, fmt.Errorf("ipp: message of %d bytes exceeds the %d-byte limit", len(b), maxMessageSize)
	}
	if len(b) < 8 {
		return nil, errTruncated
	}
	m := &message{
		major:     b[0],
		minor:     b[1],
		code:      binary.BigEndian.Uint16(b[2:]),
		requestID: binary.BigEndian.Uint32(b[4:]),
	}
	if m.major == 0 {
		return nil, fmt.Errorf("ipp: version %d.%d", m.major, m.minor)
	}
	p := 8
	count := 0
	var cur *group
	for {
		if p >= len(b) {
			return nil, errTruncated
		}
		tag := b[p]
		p++
		if tag == tagEndOfAttributes {
			break
		}
		if tag < 0x10 {
			if tag == 0 {
				return nil, fmt.Errorf("ipp: reserved delimiter tag 0x00 at offset %d", p-1)
			}
			m.groups = append(m.groups, group{tag: tag})
			cur = &m.groups[len(m.groups)-1]
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("ipp: attribute before any group at offset %d", p-1)
		}
		if tag == 0x7f {
			// Extended tag: the real tag is in the next four octets
			// (RFC 8010 §3.5.2). Nothing here uses one; it is kept as is.
			if len(b)-p < 4 {
				return nil, errTruncated
			}
			p += 4
		}
		if len(b)-p < 2 {
			return nil, errTruncated
		}
		nlen := int(binary.BigEndian.Uint16(b[p:]))
		p += 2
		if len(b)-p < nlen {
			return nil, errTruncated
		}
		name := string(b[p : p+nlen])
		p += nlen
		if len(b)-p < 2 {
			return nil, errTruncated
		}
		vlen := int(binary.BigEndian.Uint16(b[p:]))
		p += 2
		if len(b)-p < vlen {
			return nil, errTruncated
		}
		v := value{tag: tag, data: append([]byte(nil), b[p:p+vlen]...)}
		p += vlen
		if count++; count > maxAttributes {
			return nil, fmt.Errorf("ipp: more than %d attribute values", maxAttributes)
		}
		if nlen == 0 {
			// An additional value of the previous attribute; collection
			// members (RFC 8010 §3.1.6) land here too, kept as opaque values.
			if len(cur.attrs) == 0 {
				return nil, fmt.Errorf("ipp: additional value without an attribute at offset %d", p)
			}
			last := &cur.attrs[len(cur.attrs)-1]
			last.values = append(last.values, v)
			continue
		}
		cur.attrs = append(cur.attrs, attribute{name: name, values: []value{v}})
	}
	if p < len(b) {
		m.data = append([]byte(nil), b[p:]...)
	}
	return m, nil
}
