package safefs

// Windows marks links, junctions, mount points and cloud placeholders with
// a reparse tag. What the walker may do with an entry depends on that tag
// alone, never on where it points, so the decision is a pure function of
// the tag and is tested on every platform (threats.md W1, W2, W4, W12).

// ReparseKind is what a reparse tag means for the walker.
type ReparseKind int

const (
	// NotReparse is an ordinary file or folder.
	NotReparse ReparseKind = iota
	// ReparseLink redirects to another name: a symbolic link, a junction,
	// a volume mount point, or any tag Microsoft marks as a name
	// surrogate. It is never entered or followed; removing it removes
	// the link alone.
	ReparseLink
	// ReparseCloud is a cloud-sync placeholder (OneDrive Files
	// On-Demand and other cloud filter drivers). Opening its content
	// would download it; deleting it may delete the file in the cloud.
	// It is left alone and reported.
	ReparseCloud
	// ReparseOther is any other tag (deduplication, app execution
	// aliases, WSL special files, …): never entered, treated as a file.
	ReparseOther
)

// Reparse tags from the Windows SDK (winnt.h).
const (
	reparseTagMountPoint = 0xA0000003 // IO_REPARSE_TAG_MOUNT_POINT: junctions and volume mount points
	reparseTagSymlink    = 0xA000000C // IO_REPARSE_TAG_SYMLINK
	reparseTagCloud      = 0x9000001A // IO_REPARSE_TAG_CLOUD; CLOUD_1…CLOUD_F set bits 12–15
	reparseTagCloudMask  = 0xFFFF0FFF
	reparseNameSurrogate = 0x20000000 // IsReparseTagNameSurrogate
)

// ClassifyReparse says what the reparse tag tag means for the walker; 0
// is no tag.
func ClassifyReparse(tag uint32) ReparseKind {
	switch {
	case tag == 0:
		return NotReparse
	case tag == reparseTagMountPoint, tag == reparseTagSymlink, tag&reparseNameSurrogate != 0:
		return ReparseLink
	case tag&reparseTagCloudMask == reparseTagCloud:
		return ReparseCloud
	}
	return ReparseOther
}
