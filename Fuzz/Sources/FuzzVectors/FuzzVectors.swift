// The vectors the harnesses check against, embedded so that a harness binary reproduces a
// crash on its own: the trust file vectors/trust/iizuka.json, the status list
// vectors/status/iizuka.cose, and the valid vectors' verification time and QR texts.
// Written by Tests/fuzz/make-corpus.py from vectors/ (run it again after the vectors are
// regenerated); one copy for every harness that needs them.
import Foundation

public func hex(_ s: String) -> [UInt8] {
    let d = Array(s.utf8)
    return stride(from: 0, to: d.count, by: 2).map { i in
        func v(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }
        return v(d[i]) << 4 | v(d[i + 1])
    }
}

// BEGIN EMBEDDED DATA
public let trustJSON = ##"""
{
  "authorities" : [
    {
      "issuer" : "402052",
      "keys" : [
        {
          "alg" : "ES256",
          "crv" : "P-256",
          "kid" : "W6-fzXxljc0",
          "kty" : "EC",
          "notBefore" : "2026-12-03T09:18:10Z",
          "status" : "active",
          "use" : "sig",
          "x" : "a8_ZwZRjkEp2f9I1cpcwvkqUZmJXwkbTjPX7qOet67w",
          "y" : "Nkm9nHd3Yh48APEfY2guMR29RKkNRbG41MrEEMZcQxw"
        }
      ],
      "kinds" : [
        {
          "description" : {
            "en" : "Certifies renewable energy generated at a facility and consumed at another (no personal data)",
            "ja" : "発電設備で産出された再生可能エネルギーが消費されたことの証明（個人情報を含まない）"
          },
          "fields" : [
            {
              "id" : "facilityName",
              "label" : {
                "en" : "Generating facility",
                "ja" : "発電設備名"
              },
              "maxLength" : 80,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "facilityId",
              "label" : {
                "en" : "Facility ID",
                "ja" : "発電設備ID"
              },
              "maxLength" : 40,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "source",
              "label" : {
                "en" : "Energy source",
                "ja" : "エネルギー源"
              },
              "options" : [
                {
                  "label" : {
                    "en" : "Solar",
                    "ja" : "太陽光"
                  },
                  "value" : "solar"
                },
                {
                  "label" : {
                    "en" : "Wind",
                    "ja" : "風力"
                  },
                  "value" : "wind"
                },
                {
                  "label" : {
                    "en" : "Biomass / waste incineration",
                    "ja" : "バイオマス・廃棄物焼却"
                  },
                  "value" : "biomass"
                },
                {
                  "label" : {
                    "en" : "Hydro",
                    "ja" : "水力"
                  },
                  "value" : "hydro"
                },
                {
                  "label" : {
                    "en" : "Geothermal",
                    "ja" : "地熱"
                  },
                  "value" : "geothermal"
                }
              ],
              "required" : true,
              "type" : "enum"
            },
            {
              "id" : "periodFrom",
              "label" : {
                "en" : "Period from",
                "ja" : "対象期間（開始）"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "periodTo",
              "label" : {
                "en" : "Period to",
                "ja" : "対象期間（終了）"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "generatedKWh",
              "label" : {
                "en" : "Generated",
                "ja" : "発電量"
              },
              "minimum" : 0,
              "required" : true,
              "scale" : 3,
              "type" : "decimal",
              "unit" : {
                "en" : "kWh",
                "ja" : "kWh"
              }
            },
            {
              "id" : "consumerName",
              "label" : {
                "en" : "Consuming facility",
                "ja" : "消費施設"
              },
              "maxLength" : 80,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "consumedKWh",
              "label" : {
                "en" : "Consumed",
                "ja" : "消費量"
              },
              "minimum" : 0,
              "required" : true,
              "scale" : 3,
              "type" : "decimal",
              "unit" : {
                "en" : "kWh",
                "ja" : "kWh"
              }
            },
            {
              "id" : "co2AvoidedKg",
              "label" : {
                "en" : "CO2 avoided",
                "ja" : "CO2削減量"
              },
              "minimum" : 0,
              "required" : false,
              "scale" : 3,
              "type" : "decimal",
              "unit" : {
                "en" : "kg",
                "ja" : "kg"
              }
            }
          ],
          "id" : "energy-origin",
          "label" : {
            "en" : "Renewable Energy Generation and Consumption Certificate",
            "ja" : "再生可能エネルギー産出・消費証明"
          },
          "statement" : {
            "en" : "This certifies the generation and consumption of renewable energy stated above.",
            "ja" : "上記のとおり再生可能エネルギーの産出及び消費があったことを証明する。"
          },
          "validityDays" : 400,
          "version" : 1
        },
        {
          "description" : {
            "en" : "For closed schools, the successor body issues it",
            "ja" : "閉校した学校の卒業証明も、承継した機関が発行します"
          },
          "fields" : [
            {
              "id" : "name",
              "label" : {
                "en" : "Name",
                "ja" : "氏名"
              },
              "maxLength" : 60,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "birthDate",
              "label" : {
                "en" : "Date of birth",
                "ja" : "生年月日"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "schoolName",
              "label" : {
                "en" : "School",
                "ja" : "学校名"
              },
              "maxLength" : 80,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "schoolCode",
              "label" : {
                "en" : "School code",
                "ja" : "学校コード"
              },
              "maxLength" : 20,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "closed",
              "label" : {
                "en" : "School closed",
                "ja" : "閉校"
              },
              "options" : [
                {
                  "label" : {
                    "en" : "No",
                    "ja" : "いいえ"
                  },
                  "value" : "no"
                },
                {
                  "label" : {
                    "en" : "Yes (closed)",
                    "ja" : "はい（閉校）"
                  },
                  "value" : "yes"
                }
              ],
              "required" : true,
              "type" : "enum"
            },
            {
              "id" : "successor",
              "label" : {
                "en" : "Successor body issuing for the school",
                "ja" : "承継機関（証明事務）"
              },
              "maxLength" : 80,
              "required" : false,
              "type" : "text"
            },
            {
              "id" : "course",
              "label" : {
                "en" : "Course / department",
                "ja" : "課程・学科"
              },
              "maxLength" : 60,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "admissionDate",
              "label" : {
                "en" : "Date of admission",
                "ja" : "入学年月日"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "graduationDate",
              "label" : {
                "en" : "Date of graduation",
                "ja" : "卒業年月日"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "certificateNumber",
              "label" : {
                "en" : "Certificate number",
                "ja" : "証明書番号"
              },
              "maxLength" : 30,
              "required" : true,
              "type" : "text"
            }
          ],
          "id" : "graduation",
          "label" : {
            "en" : "Certificate of Graduation",
            "ja" : "卒業証明書"
          },
          "statement" : {
            "en" : "This certifies that the person above completed the prescribed course and graduated.",
            "ja" : "上記の者は、所定の課程を修了し卒業したことを証明する。"
          },
          "version" : 1
        },
        {
          "description" : {
            "en" : "Certifies that the partnership oath was received",
            "ja" : "パートナーシップの宣誓を受領したことの証明"
          },
          "fields" : [
            {
              "id" : "receiptNumber",
              "label" : {
                "en" : "Receipt number",
                "ja" : "受領番号"
              },
              "maxLength" : 30,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "oathDate",
              "label" : {
                "en" : "Date of oath",
                "ja" : "宣誓日"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "partner1Name",
              "label" : {
                "en" : "Declarant 1 name (common name allowed)",
                "ja" : "宣誓者1 氏名（通称名可）"
              },
              "maxLength" : 60,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "partner1BirthDate",
              "label" : {
                "en" : "Declarant 1 date of birth",
                "ja" : "宣誓者1 生年月日"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "partner1Address",
              "label" : {
                "en" : "Declarant 1 address",
                "ja" : "宣誓者1 住所"
              },
              "maxLength" : 120,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "partner2Name",
              "label" : {
                "en" : "Declarant 2 name (common name allowed)",
                "ja" : "宣誓者2 氏名（通称名可）"
              },
              "maxLength" : 60,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "partner2BirthDate",
              "label" : {
                "en" : "Declarant 2 date of birth",
                "ja" : "宣誓者2 生年月日"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "partner2Address",
              "label" : {
                "en" : "Declarant 2 address",
                "ja" : "宣誓者2 住所"
              },
              "maxLength" : 120,
              "required" : true,
              "type" : "text"
            },
            {
              "help" : {
                "en" : "In CSV, separate with '|'",
                "ja" : "CSVでは「|」で区切ります"
              },
              "id" : "familyMembers",
              "label" : {
                "en" : "Family members (familyship)",
                "ja" : "家族（ファミリーシップ）"
              },
              "maxItems" : 8,
              "maxLength" : 60,
              "required" : false,
              "type" : "textList"
            }
          ],
          "id" : "partnership",
          "label" : {
            "en" : "Partnership Oath Receipt",
            "ja" : "パートナーシップ宣誓受領証"
          },
          "statement" : {
            "en" : "This certifies that the partnership declaration above was received.",
            "ja" : "上記のとおりパートナーシップの宣誓があったことを証明する。"
          },
          "validityDays" : 1825,
          "version" : 1
        },
        {
          "description" : {
            "en" : "Certifies the entries of the Basic Resident Register",
            "ja" : "住民基本台帳に記録されている事項の証明"
          },
          "fields" : [
            {
              "id" : "name",
              "label" : {
                "en" : "Name",
                "ja" : "氏名"
              },
              "maxLength" : 60,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "kana",
              "label" : {
                "en" : "Name (kana)",
                "ja" : "ふりがな"
              },
              "maxLength" : 80,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "birthDate",
              "label" : {
                "en" : "Date of birth",
                "ja" : "生年月日"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "sex",
              "label" : {
                "en" : "Sex",
                "ja" : "性別"
              },
              "options" : [
                {
                  "label" : {
                    "en" : "Female",
                    "ja" : "女"
                  },
                  "value" : "female"
                },
                {
                  "label" : {
                    "en" : "Male",
                    "ja" : "男"
                  },
                  "value" : "male"
                }
              ],
              "required" : true,
              "type" : "enum"
            },
            {
              "id" : "address",
              "label" : {
                "en" : "Address",
                "ja" : "住所"
              },
              "maxLength" : 120,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "residentSince",
              "label" : {
                "en" : "Resident since",
                "ja" : "住民となった年月日"
              },
              "required" : true,
              "type" : "date"
            },
            {
              "id" : "householder",
              "label" : {
                "en" : "Head of household",
                "ja" : "世帯主"
              },
              "maxLength" : 60,
              "required" : true,
              "type" : "text"
            },
            {
              "id" : "relationship",
              "label" : {
                "en" : "Relationship to head of household",
                "ja" : "続柄"
              },
              "maxLength" : 20,
              "required" : false,
              "type" : "text"
            },
            {
              "id" : "domicile",
              "label" : {
                "en" : "Registered domicile (honseki)",
                "ja" : "本籍"
              },
              "maxLength" : 120,
              "omittedByDefault" : true,
              "required" : false,
              "type" : "text"
            },
            {
              "id" : "domicileHead",
              "label" : {
                "en" : "Head of family register",
                "ja" : "筆頭者"
              },
              "maxLength" : 60,
              "omittedByDefault" : true,
              "required" : false,
              "type" : "text"
            }
          ],
          "forbiddenFields" : [
            {
              "id" : "myNumber",
              "label" : {
                "en" : "Individual Number (My Number)",
                "ja" : "個人番号（マイナンバー）"
              },
              "reason" : {
                "en" : "the My Number Act keeps it off this certificate",
                "ja" : "番号法により、この証明書に記載しません"
              }
            },
            {
              "id" : "residentCode",
              "label" : {
                "en" : "Resident record code",
                "ja" : "住民票コード"
              },
              "reason" : {
                "en" : "the Basic Resident Registration Act keeps it off this certificate",
                "ja" : "住民基本台帳法により、この証明書に記載しません"
              }
            }
          ],
          "id" : "residence",
          "label" : {
            "en" : "Certificate of Residence (copy of resident record)",
            "ja" : "住民票の写し"
          },
          "statement" : {
            "en" : "This is certified to be a true copy of the resident record.",
            "ja" : "この写しは、住民票の原本と相違ないことを証明する。"
          },
          "validityDays" : 90,
          "version" : 1
        }
      ],
      "log" : {
        "origin" : "iizuka.example/akashi/log",
        "policy" : "log iizuka.example/akashi/log+651fd45a+AXnsYylFaFinbdH5ZHXo/7e0ngGtkfKJbYBn1y2BcL8I\nquorum none\n",
        "vkey" : "iizuka.example/akashi/log+651fd45a+AXnsYylFaFinbdH5ZHXo/7e0ngGtkfKJbYBn1y2BcL8I"
      },
      "name" : "飯塚市",
      "verifierURL" : "https://iizuka.example/akashi/verify/"
    }
  ],
  "format" : "akashi-trust/v2",
  "generatedAt" : "2026-12-03T09:18:10Z"
}
"""##

public let statusList: [UInt8] = hex([
    "d2844da2012604485baf9fcd7c658dcda0590108a60170616b617368692d7374617475732f76310266343032303532031a6b1133d20478c669697a75",
    "6b612e6578616d706c652f616b617368692f6c6f670a32360a765a2f4568334355697071706255616f34524b733677475279364d466647466a454d6c",
    "66557075424979383d0a0ae280942069697a756b612e6578616d706c652f616b617368692f6c6f67205a522f55576756674c4e44644953434b4d682b",
    "317a6e576d2b59596330353546375a746d4242394d504b33612f51546856434649672b4f58304967682f37664e4c536e474642374c48324967565662",
    "646c445661333237524967733d0a050206581978da1365626064659068b79aec14c232e5c897720019aa04e758400e39474770ae91e258a3be0ff232",
    "85f7104432c7d61d300da6ac8ccdd97d54835e5158d9d93ff6ba1ab78a0e6861fb951c7baa63f6b604e29da21a3f69fe1c8c",
].joined())

/// The valid vectors' verification time (vectors/index.json "at").
public let at = Date(timeIntervalSince1970: 1796375890)  // 2026-12-04T09:18:10Z

/// The valid vectors' QR texts (the part after '#').
public let validTexts = [
    "AK2.0071799750972560200323274812403615578391458382889850034265680931742414126753866062445091609334165286571458615257700108036324290209183565163255532367142413079229728426584912788911137319278005640651920147033305834351122564929100127581725043324844542693482072824033703008164214126741034184758127226569885208032967407273609046830490837318184279237199584280047143163673946117843832210664928046186141267410341847561271936276518897432498735034682199295124949243133941356378241108465514145725766657125282304070731162651384965984316215814132488476520051330528547520106052856102525492042450525744962659773523263489260192284866628520041076630511865950465129327844748474054320982165203928358464660642022852070401144693447653445070167489661583552891631814541977305129828262508493276257873359074532985800630220080135637823739228805163708671415296355376084263597962208940020382038113861086175237589115703125527820908578822908150331525008628839215479337874385277995475415172602865879415685795128710460218204189507292409675797178027592396430695966717460221912603778768138098893719579442732007466866183766161651816313813924288970621897173786767626818912543341730",
    "AK2.007366892073977940032327481240361557839145838288985003613442120223201412675386619351504842051762529304513202837757329995523286712761949100398467509871733274310689308021770103177325546224530933156029313920092608283799397262881976500193827661208924928959859288197779874415093065284522367401065489879964355433277004880178228173276308004657003316104753728600365138510008837333472855591227598236064610193370218725519353225787413785035505377486940964383666086962024313662331934075893075465101962091413563782407205427299632183224195642206217066513251739020468090496440368464709448954096438260733094627652509259647018413469784237114248683079671703990667019247450969146348298904693571044321468638391739377827413528049903983310374327935203876654485414964177313567068074242403285548169578683872743105119777110628554814745649382421089827316155381356600285489976015578157009191481460977740591652060597504546380633738585659313316074710379781590776423950279769066387303495514651969023608509813889477855471416367880155418694476130222802395569976183733953995680538095864919721243843705663085026586669324980932407504849007418049801140218789448451115830814443282960736581032002595379119462016137824187121366986631655860339092707039508565488851271029346388962257075428231690713803330",
    "AK2.00797162346925474003232748124036155783914583828898500421821646517296141267538660624523355414863455310514586152567458773071330620518491901632555323671424130241386342411877322150396277560330103069094048266419247450969146348298915301134943201524933375324579332216164842221902274233551940970406549955748583878364037386379758188316323415991514741415992918969162139020468090446051364541856382247693727498341445873234143570204190066325119751522052006549955748583877064037257530739439530678156624485723868240990407204131653077717967461322133956325472334343530145921080512719357544263536274289171348485611840625606495115533816475044144562455721308154520796463545631785034439041362704000916524114154096030454045261092431115631073788581995620321996938779125514688306284120668439663385979494810646606420534036254377475155769443942126902811408241316323415991514741386529451805293227431053522365546138551916765635061272047526323032232772479285084777322161385176730616108438387498834513841963160514611248404605758515882417437024165229150022215447347602012397882549785663542336591133890327247906877037538062290087517895707069720539857443717641124311651099475167049931388302765714098976465531912309330503672532162139843847762564583612446365742198591088122432007328100642076015234013833221483311803567148872992294267160226204706664288021991610658866075666230649544220678244749393249011524390516864498077562876891001",
    "AK2.007960585403304020032327481240361557839145838288984719575444894638581356928781558874361592468577784115591177627600063930674201201691474600001174399025513321996937088464462797708197571184332481192040542566288219680848213483022494921751846537404842345595301640372542655369436403739067466224431069369919203747495106031627081065007360449258326828273277725276195652038565843849994406503146834473743599727046334128652093369626565656518527790137746329663077585938500274310535223655461385519164300907612719362765516661324811215421041653220899758603612943383317095704963400886852765863562967739272792715228118526966198885324855022411090752967624574415767629891530096913713135604838916587803394988977992097962244837822885186369199392595618776138742870309506439283892829001807395099484837835154943167088261822509730229017223732162875579708315970084890077561757801124181777548138287232352257334450667086151077793628024028325330776400774823999044201335398136372311170013670060119191023519788610464341170531229157487418025395385470251365135263628334533070768191848714514631066969257221314792910198313393393620872808171567212122549036457169613170593313183940452446385740018436",
]
// END EMBEDDED DATA
