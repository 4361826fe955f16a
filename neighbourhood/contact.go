package neighbourhood

import (
	"bytes"
)

// ContactDetails is a team's, person's or event's contact_details object.
// The API writes only the ways a force filled in, so every field may be
// absent; keys outside the known set (some forces send "website") are kept
// in Other so they are served again.
type ContactDetails struct {
	Email      Text
	Telephone  Text
	Mobile     Text
	Fax        Text
	Web        Text
	Address    Text
	Facebook   Text
	Twitter    Text
	YouTube    Text
	MySpace    Text
	Bebo       Text
	Flickr     Text
	GooglePlus Text
	Forum      Text
	EMessaging Text
	Blog       Text
	RSS        Text
	Other      []Contact // unknown keys, sorted by key
}

// Contact is a contact_details entry under a key the API documents nowhere.
type Contact struct {
	Key   string
	Value Text
}

// contactFields lists the known keys in the order they are written.
var contactFields = []struct {
	key string
	get func(*ContactDetails) *Text
}{
	{"email", func(c *ContactDetails) *Text { return &c.Email }},
	{"telephone", func(c *ContactDetails) *Text { return &c.Telephone }},
	{"mobile", func(c *ContactDetails) *Text { return &c.Mobile }},
	{"fax", func(c *ContactDetails) *Text { return &c.Fax }},
	{"web", func(c *ContactDetails) *Text { return &c.Web }},
	{"address", func(c *ContactDetails) *Text { return &c.Address }},
	{"facebook", func(c *ContactDetails) *Text { return &c.Facebook }},
	{"twitter", func(c *ContactDetails) *Text { return &c.Twitter }},
	{"youtube", func(c *ContactDetails) *Text { return &c.YouTube }},
	{"myspace", func(c *ContactDetails) *Text { return &c.MySpace }},
	{"bebo", func(c *ContactDetails) *Text { return &c.Bebo }},
	{"flickr", func(c *ContactDetails) *Text { return &c.Flickr }},
	{"google-plus", func(c *ContactDetails) *Text { return &c.GooglePlus }},
	{"forum", func(c *ContactDetails) *Text { return &c.Forum }},
	{"e-messaging", func(c *ContactDetails) *Text { return &c.EMessaging }},
	{"blog", func(c *ContactDetails) *Text { return &c.Blog }},
	{"rss", func(c *ContactDetails) *Text { return &c.RSS }},
}

// field returns the known field for key, or nil.
func (c *ContactDetails) field(key string) *Text {
	for _, f := range contactFields {
		if f.key == key {
			return f.get(c)
		}
	}
	return nil
}

// MarshalJSON writes the present fields as one object: the known keys in a
// fixed order, then Other.
func (c *ContactDetails) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	put := func(key string, v Text) error {
		if v.IsZero() {
			return nil
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, err := marshalString(key)
		if err != nil {
			return err
		}
		b.Write(k)
		b.WriteByte(':')
		val, err := v.MarshalJSON()
		b.Write(val)
		return err
	}
	for _, f := range contactFields {
		if err := put(f.key, *f.get(c)); err != nil {
			return nil, err
		}
	}
	for _, o := range c.Other {
		if err := put(o.Key, o.Value); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
