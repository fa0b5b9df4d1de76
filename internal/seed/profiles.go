package seed

// The seed's assumptions about the economy, from general knowledge: which
// activities (NAF rév. 2 sub-classes) a pole's members typically have,
// which ROME roles a sub-class employs first, and where activity
// concentrates. They only shape synthetic data; none is shipped as fact.

type nafWeight struct {
	code   string
	weight float64
}

// profiles maps a theme to the NAF codes its members are drawn from.
var profiles = map[string][]nafWeight{
	"aerospace": {{"30.30Z", 4}, {"25.62B", 4}, {"71.12B", 3}, {"62.01Z", 2}, {"33.16Z", 2}, {"28.41Z", 1},
		{"26.51A", 1}, {"25.61Z", 1}, {"22.29A", 1}, {"24.53Z", 1}, {"72.19Z", 1}, {"26.51B", 1}, {"62.02A", 1}},
	"agrifood": {{"01.11Z", 2}, {"01.21Z", 1}, {"10.89Z", 3}, {"10.51C", 1}, {"10.13A", 1}, {"10.71C", 1},
		{"11.02B", 1}, {"10.39B", 1}, {"46.31Z", 1}, {"72.19Z", 1}},
	"seafood":   {{"10.20Z", 4}, {"03.11Z", 2}, {"03.21Z", 1}, {"46.38A", 1}, {"52.10A", 1}},
	"photonics": {{"26.70Z", 4}, {"26.51B", 3}, {"27.90Z", 1}, {"72.19Z", 2}, {"62.01Z", 1}, {"26.11Z", 1}},
	"health": {{"72.11Z", 4}, {"21.20Z", 3}, {"21.10Z", 1}, {"32.50A", 2}, {"26.60Z", 1}, {"71.20B", 1},
		{"62.01Z", 1}},
	"chemistry": {{"20.14Z", 3}, {"20.59Z", 3}, {"20.16Z", 2}, {"38.21Z", 1}, {"71.20B", 1}, {"72.19Z", 1},
		{"22.21Z", 1}},
	"digital": {{"62.01Z", 5}, {"62.02A", 3}, {"58.29C", 2}, {"63.11Z", 1}, {"62.09Z", 1}, {"73.11Z", 1},
		{"59.11B", 1}},
	"telecom":    {{"26.11Z", 2}, {"26.30Z", 2}, {"61.20Z", 1}, {"62.01Z", 3}, {"62.02A", 1}},
	"finance":    {{"64.19Z", 3}, {"66.19B", 2}, {"62.01Z", 2}, {"70.22Z", 1}},
	"energy":     {{"35.11Z", 3}, {"71.12B", 3}, {"43.21A", 2}, {"27.11Z", 1}, {"27.12Z", 1}, {"33.20C", 1}},
	"nuclear":    {{"35.11Z", 3}, {"71.12B", 3}, {"25.62B", 2}, {"33.20C", 1}, {"25.29Z", 1}},
	"geoenergy":  {{"09.10Z", 2}, {"06.20Z", 1}, {"71.12B", 3}, {"72.19Z", 1}},
	"automotive": {{"29.32Z", 4}, {"29.10Z", 1}, {"22.29A", 2}, {"25.50B", 2}, {"71.12B", 2}, {"45.20A", 1}},
	// i-Trans: rail, land transport and logistics; its road hauliers and
	// logisticians employ heavy-goods drivers (leadRoles).
	"transport": {{"49.41A", 3}, {"30.20Z", 3}, {"49.41B", 2}, {"52.29A", 2}, {"33.17Z", 2}, {"52.10B", 1},
		{"71.12B", 1}, {"27.12Z", 1}},
	"manufacturing": {{"25.62B", 4}, {"28.41Z", 2}, {"25.73B", 2}, {"25.61Z", 2}, {"28.29B", 1}, {"33.12Z", 1}, {"24.51Z", 1}, {"25.11Z", 1}},
	"materials":     {{"24.10Z", 1}, {"24.42Z", 1}, {"25.61Z", 2}, {"22.21Z", 1}, {"13.96Z", 1}, {"72.19Z", 1}, {"71.20B", 1}},
	"microtech":     {{"26.52Z", 2}, {"32.50A", 2}, {"25.62B", 3}, {"28.41Z", 1}, {"26.51B", 1}},
	"cosmetics":     {{"20.42Z", 4}, {"20.53Z", 1}, {"46.45Z", 1}, {"72.19Z", 1}, {"22.22Z", 1}},
	"naturalness":   {{"20.53Z", 2}, {"20.42Z", 2}, {"10.89Z", 2}, {"01.28Z", 1}},
	"equine":        {{"01.43Z", 3}, {"75.00Z", 2}, {"93.19Z", 1}, {"85.51Z", 1}},
	"microelec":     {{"26.11Z", 4}, {"26.12Z", 2}, {"58.29A", 1}, {"62.01Z", 2}, {"26.30Z", 1}},
	"maritime":      {{"30.11Z", 3}, {"30.12Z", 2}, {"33.15Z", 2}, {"50.20Z", 1}, {"71.12B", 2}, {"26.51A", 1}},
	"ceramics":      {{"23.41Z", 2}, {"23.44Z", 3}, {"23.20Z", 1}, {"23.43Z", 1}, {"71.20B", 1}},
	"polymers":      {{"22.19Z", 3}, {"22.29A", 3}, {"20.16Z", 1}, {"22.21Z", 1}, {"22.22Z", 1}},
	"construction":  {{"41.20B", 2}, {"42.99Z", 2}, {"43.21A", 2}, {"43.22B", 2}, {"71.12B", 2}, {"16.23Z", 1}},
	"fibres":        {{"13.96Z", 2}, {"16.23Z", 2}, {"43.22B", 2}, {"41.20B", 1}, {"71.12B", 1}},
	// EuraMaterials (Hauts-de-France): technical textiles, and the region's
	// clothing trade, whose shops and wholesalers employ salespeople.
	"textile": {{"13.96Z", 3}, {"47.71Z", 2}, {"13.20Z", 2}, {"46.42Z", 1}, {"14.13Z", 1}, {"22.21Z", 1},
		{"20.16Z", 1}},
	"recycling": {{"38.32Z", 3}, {"38.21Z", 2}, {"38.11Z", 2}, {"46.77Z", 1}, {"71.20B", 1}},
	"generic":   {{"25.62B", 2}, {"62.01Z", 2}, {"71.12B", 2}, {"46.69B", 1}, {"70.22Z", 1}, {"43.21A", 1}},
}

// poleProfiles gives each pole's theme; a pole not listed draws "generic".
var poleProfiles = map[string]string{
	"aerospace-valley": "aerospace", "astech": "aerospace",
	"agri-soi": "agrifood", "vitagora": "agrifood", "bioeconomy-for-change": "chemistry",
	"aquimer": "seafood", "alpha-rlh": "photonics", "optitec": "photonics",
	"atlanpole-biotherapies": "health", "biovalley-france": "health", "eurobiomed": "health",
	"lyonbiopole": "health", "medicen": "health", "clubster-nsl": "health",
	"axelera": "chemistry", "cap-digital": "digital", "systematic-paris-region": "digital",
	"images-reseaux": "telecom", "solutions-communicantes-securisees": "telecom",
	"finance-innovation": "finance", "capenergies": "energy", "derbi": "energy",
	"nuclear-valley": "nuclear", "pole-avenia": "geoenergy",
	"cara": "automotive", "id4car": "automotive", "nextmove": "automotive", "pole-vehicule-du-futur": "automotive",
	"i-trans": "transport", "cimes": "manufacturing", "emc2": "manufacturing", "materalia": "materials",
	"pmt": "microtech", "cosmetic-valley": "cosmetics", "innov-alliance": "naturalness",
	"hippolia": "equine", "minalogic": "microelec",
	"pole-mer-bretagne-atlantique": "maritime", "pole-mer-mediterranee": "maritime",
	"pole-europeen-de-la-ceramique": "ceramics", "polymeris": "polymers",
	"infr-2050": "construction", "fibres-energivie": "fibres", "euramaterials": "textile", "team2": "recycling",
}

// extraHomeRegions: Aerospace Valley spans Occitanie (its registered
// region) and Nouvelle-Aquitaine.
var extraHomeRegions = map[string][]string{"aerospace-valley": {"75"}}

// coreRoles lists, for some NAF codes, the roles that a company of that
// activity employs first (its division's other roles come after, with
// small weights): a division is broad (25 includes jewellery).
var coreRoles = map[string][]string{
	"30.30Z": {"H2901", "H1522", "H3203", "H3404", "H3402", "I1334", "H3403"},
	"25.62B": {"H2903", "H2906", "H2912", "H1404", "H1203", "H2901", "H1506", "H3402"},
	"25.61Z": {"H3402", "H3401", "H3403", "H3404", "H1506"},
	"28.41Z": {"H2903", "H1203", "H1235", "H1238", "H2901", "H2909", "I1304"},
	"71.12B": {"F1112", "H1236", "H1209", "H1527", "H1533", "H1532", "H1524"},
	"71.20B": {"H1503", "H1501", "H1531", "H1534", "H1533", "H1532"},
	"62.01Z": {"M1805", "M1861", "M1836", "M1841", "M1892", "M1815", "M1827", "M1853"},
	"62.02A": {"M1806", "M1818", "M1853", "M1828", "M1841", "M1838"},
	"33.16Z": {"I1602", "H1533", "H1504", "H2916", "I1304", "H1516"},
	"26.51A": {"H1209", "H1239", "H2605", "H2604", "H1504", "H1520", "H1228"},
	"26.51B": {"H1209", "H1239", "H2605", "H2604", "H1504", "H1520"},
	"72.19Z": {"H1206", "H1210", "H1218", "H1224", "K2402", "M1889"},
	// After their leadRoles:
	"49.41A": {"N4113", "N4116", "N4203", "N1106", "I1613", "N4201"},
	"49.41B": {"N4120", "N4203", "N1106", "I1613"},
	"52.29A": {"N4105", "N1116", "N1103", "N1201", "N4203", "N1302"},
	"52.10A": {"N1101", "N1103", "N1110", "N1115", "N1302"},
	"52.10B": {"N1101", "N1103", "N1110", "N1115", "N1302"},
	"47.71Z": {"D1302", "D1506", "D1505", "D1501"},
	"14.13Z": {"H2409", "H2412", "H1205", "B1812"},
}

// leadRoles: for some NAF codes, the roles a company of that activity
// employs most, in this order, before its shuffled core roles. They put
// pairs of similar ROME roles (mobilityTrends) side by side in companies.
var leadRoles = map[string][]string{
	"49.41A": {"N4101", "N4115"},
	"49.41B": {"N4101", "N4105", "N4115"},
	"52.29A": {"N4101", "N4115"},
	"52.10A": {"N4101", "N4115"},
	"52.10B": {"N4101", "N4115"},
	"47.71Z": {"D1214", "D1211", "D1212"},
	"46.42Z": {"D1214", "D1212", "D1211"},
	"14.13Z": {"H2402", "D1214"},
}

// mobilityTrends fixes the yearly headcount trend of a few roles, after
// the random draw of every role's trend. Mobility paths (DESIGN.md) need
// a role in surplus and a similar role in need (similarity >= 0.5 on
// essential skills), and with the real ROME v460 links only five pairs
// of roles reach 0.5: N4101~N4115 (0.50), D1211~D1212 (0.95),
// D1211~D1214 (0.50), D1212~D1214 (0.52) and D1107~D1213 (0.54). The
// seed's story, an assumption that shapes synthetic data only: hauliers
// move to high-capacity combinations (fewer heavy-goods driver jobs, more
// super-heavy ones), and clothing shops shrink while sports and home
// equipment sales grow.
var mobilityTrends = []struct {
	code  string
	trend float64
}{
	{"N4101", -0.08}, {"N4115", 0.06},
	{"D1214", -0.08}, {"D1211", 0.05}, {"D1212", 0.05},
}

// deptWeights: departments with large employment areas weigh more when a
// site or a training is placed in a region; others weigh 1.
var deptWeights = map[string]float64{
	"75": 6, "92": 5, "78": 4, "91": 3, "94": 2, "93": 2, "77": 2, "95": 2,
	"69": 6, "38": 3, "63": 2, "42": 2, "74": 2, "31": 6, "34": 3, "30": 1.5, "65": 2, "81": 1.5,
	"33": 5, "64": 3, "86": 1.5, "87": 2, "17": 1.5, "13": 5, "06": 3, "83": 2, "84": 1.5,
	"59": 4, "62": 2, "80": 1.5, "60": 1.5, "44": 4, "49": 2, "72": 1.5, "85": 1.5, "35": 3, "29": 2,
	"56": 2, "22": 1.5, "67": 3, "57": 2, "54": 2, "51": 2, "68": 2, "76": 3, "14": 2, "27": 1.5,
	"21": 2, "25": 2, "71": 1.5, "90": 1.5, "45": 2, "37": 2, "18": 1.5, "28": 1.5, "974": 2,
}

// neighbours: adjacent metropolitan regions, where a company's further
// sites go when not in a home region of its poles.
var neighbours = map[string][]string{
	"11": {"24", "27", "28", "32", "44"}, "24": {"11", "27", "28", "52", "75", "84"},
	"27": {"11", "24", "44", "84"}, "28": {"11", "24", "32", "52", "53"}, "32": {"11", "28", "44"},
	"44": {"11", "27", "32"}, "52": {"24", "28", "53", "75"}, "53": {"28", "52"},
	"75": {"24", "52", "76", "84"}, "76": {"75", "84", "93"}, "84": {"24", "27", "75", "76", "93"},
	"93": {"76", "84", "94"}, "94": {"93"}, "01": {"02"}, "02": {"01"}, "03": {"01"}, "04": {"06"}, "06": {"04"},
}

// Invented names: syllables that make French-sounding, non-existent words.
var (
	nameHeads = []string{"Var", "Bru", "Mon", "Gal", "Cor", "Tal", "Ven", "Sol", "Mer", "Lau", "Ber", "Dor",
		"Fal", "Gra", "Lor", "Pra", "Quen", "Ros", "Sar", "Tré", "Val", "Vil", "Bel", "Cha", "Mar", "Ornu", "Sev"}
	nameMids  = []string{"e", "a", "o", "i", "ou", "é", "", "an", "er"}
	nameTails = []string{"lon", "zac", "ville", "mont", "lac", "rieu", "gnac", "bert", "court", "nay", "sac",
		"val", "dan", "tel", "ron", "vès", "lis", "mel"}
)

// divisionWords: the activity word in a company name, by NAF division.
var divisionWords = map[string][]string{
	"30": {"Aéro", "Aérostructures", "Spatial", "Aéronautique"}, "25": {"Mécanique", "Usinage", "Précision", "Métal"},
	"28": {"Machines", "Équipements", "Outillage"}, "71": {"Ingénierie", "Études", "Bureau d'études", "Essais"},
	"62": {"Logiciels", "Numérique", "Data", "Systèmes"}, "33": {"Maintenance", "Services aéro", "Réparation"},
	"26": {"Électronique", "Optronique", "Instruments"}, "72": {"Recherche", "Labs", "Innovation"},
	"22": {"Plasturgie", "Composites", "Polymères"}, "24": {"Fonderie", "Métallurgie", "Alliages"},
	"20": {"Chimie", "Formulation"}, "21": {"Pharma", "Laboratoires"}, "10": {"Alimentaire", "Saveurs", "Conserverie"},
	"01": {"Exploitation", "Cultures", "Élevage"}, "35": {"Énergies", "Énergie"}, "29": {"Auto", "Équipements auto"},
	"38": {"Recyclage", "Environnement"}, "41": {"Construction", "Bâtiment"}, "43": {"Installations", "Génie climatique"},
	"13": {"Textiles", "Tissages"}, "14": {"Confection", "Mode"}, "46": {"Négoce", "Distribution"},
	"47": {"Boutiques", "Mode"}, "49": {"Transports", "Logistique"}, "52": {"Logistique", "Entrepôts"}, "23": {"Céramiques", "Matériaux"}, "64": {"Finance", "Capital"},
}
