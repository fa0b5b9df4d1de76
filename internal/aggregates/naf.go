package aggregates

import "strconv"

// nafSectionRanges maps the divisions of NAF rév. 2 (the first two digits of
// companies.naf) to their sections: each entry is the last division of its
// section, in order.
var nafSectionRanges = []struct {
	last    int
	section string
}{
	{3, "A"}, {9, "B"}, {33, "C"}, {35, "D"}, {39, "E"}, {43, "F"}, {47, "G"},
	{53, "H"}, {56, "I"}, {63, "J"}, {66, "K"}, {68, "L"}, {75, "M"}, {82, "N"},
	{84, "O"}, {85, "P"}, {88, "Q"}, {93, "R"}, {96, "S"}, {98, "T"}, {99, "U"},
}

// nafGaps are the divisions inside the ranges above that NAF rév. 2 does not
// use; a code naming one is unknown, not misfiled.
var nafGaps = map[int]bool{4: true, 34: true, 40: true, 44: true, 48: true, 54: true, 57: true, 67: true, 76: true, 83: true, 89: true}

// NafSection returns the NAF rév. 2 section letter of a NAF code or of its
// 2-digit division ("25.62B" and "25" give "C"), or "" when the division is
// unknown.
func NafSection(naf string) string {
	if len(naf) < 2 {
		return ""
	}
	div, err := strconv.Atoi(naf[:2])
	if err != nil || div < 1 || nafGaps[div] {
		return ""
	}
	for _, r := range nafSectionRanges {
		if div <= r.last {
			return r.section
		}
	}
	return ""
}

// nafSectionTitles are the official French titles of the sections.
var nafSectionTitles = map[string]string{
	"A": "Agriculture, sylviculture et pêche",
	"B": "Industries extractives",
	"C": "Industrie manufacturière",
	"D": "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné",
	"E": "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution",
	"F": "Construction",
	"G": "Commerce ; réparation d'automobiles et de motocycles",
	"H": "Transports et entreposage",
	"I": "Hébergement et restauration",
	"J": "Information et communication",
	"K": "Activités financières et d'assurance",
	"L": "Activités immobilières",
	"M": "Activités spécialisées, scientifiques et techniques",
	"N": "Activités de services administratifs et de soutien",
	"O": "Administration publique",
	"P": "Enseignement",
	"Q": "Santé humaine et action sociale",
	"R": "Arts, spectacles et activités récréatives",
	"S": "Autres activités de services",
	"T": "Activités des ménages en tant qu'employeurs ; activités indifférenciées des ménages en tant que producteurs de biens et services pour usage propre",
	"U": "Activités extra-territoriales",
}

// unspecifiedLabels name the "" value of each dimension.
var unspecifiedLabels = map[Dimension]string{
	DimensionRoleFamily:    "Famille de métiers non renseignée",
	DimensionGrandDomain:   "Grand domaine non renseigné",
	DimensionSkillCategory: "Catégorie de compétences non renseignée",
	DimensionPole:          "Sans adhésion active à un pôle",
	DimensionNafSection:    "Section NAF non renseignée",
}

// valueLabel names a dimension value: the "not specified" label for the
// empty code, a NAF section's title, else the label the statement read.
func valueLabel(d Dimension, code, label string) string {
	switch {
	case code == "":
		return unspecifiedLabels[d]
	case d == DimensionNafSection:
		return nafSectionTitles[code]
	}
	return label
}
