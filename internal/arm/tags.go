package arm

import "strings"

// ValidateTags applies ARM's tag limits, the same for every tracked
// resource: at most 50, names up to 512 characters without < > % & \ ? /,
// values up to 256 characters.
func ValidateTags(tags map[string]string) []*Error {
	var errs []*Error
	if len(tags) > 50 {
		errs = append(errs, BadRequest("InvalidTagCount", "%d tags were given; a resource can have at most 50.", len(tags)))
	}
	for k, v := range tags {
		switch {
		case k == "" || len(k) > 512:
			errs = append(errs, BadRequest("InvalidTagNameLength", "The tag name '%s' must be 1 to 512 characters long.", k))
		case strings.ContainsAny(k, `<>%&\?/`):
			errs = append(errs, BadRequest("InvalidTagNameCharacters", "The tag name '%s' has characters that are not allowed: < > %% & \\ ? /.", k))
		case len(v) > 256:
			errs = append(errs, BadRequest("InvalidTagValueLength", "The value of tag '%s' is %d characters long; the limit is 256.", k, len(v)))
		}
	}
	return errs
}
