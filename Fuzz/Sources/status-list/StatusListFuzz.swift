// Fuzzes the status list readers (docs/spec/status-list.md): the payload reader,
// StatusList(decodingPayload:), and the file reader a verifier uses,
// VerifiedStatusList(signed:trust:), against the vectors' trust file. Each input is tried
// as a payload and as a signed file; when it is an Akashi envelope, its payload is also
// read on its own (the fuzzer cannot forge the signature that guards it in the file
// reader, but a payload reader must be safe whoever signed it).
//
// Invariants (a failure is a crash):
// - an accepted payload keeps its bounds (indices and successors ≤ 2^53 − 1, successor >
//   index, issue time ≤ 2^53 − 1) and re-encodes (payload) to bytes that read back to an
//   equal list;
// - the file reader accepts only lists of the trust file's authority whose checkpoint
//   has no extension lines and a tree size ≤ 2^53 − 1; the embedded list verifies.
import COSE
import Certificates
import Foundation
import TransparencyLog

/// Like precondition, but the message survives -O (it names the invariant in the crash log).
func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant broken: " + message(), file: file, line: line) }
}

let trust: TrustFile = {
    do { return try TrustFile.decode(Data(trustJSON.utf8)) } catch { fatalError("the embedded trust file does not decode: \(error)") }
}()


func hex(_ s: String) -> [UInt8] {
    let d = Array(s.utf8)
    return stride(from: 0, to: d.count, by: 2).map { i in
        func v(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }
        return v(d[i]) << 4 | v(d[i + 1])
    }
}

let selfTest: Void = {
    do { _ = try VerifiedStatusList(signed: statusList, trust: trust) } catch { fatalError("the embedded status list does not verify: \(error)") }
}()

func checkPayload(_ bytes: [UInt8]) {
    guard let list = try? StatusList(decodingPayload: bytes) else { return }
    let max = UInt64((1 << 53) - 1)
    require(list.issuedAt >= 0 && UInt64(list.issuedAt) <= max, "issue time out of range")
    for (index, state) in list.entries {
        require(index <= max, "an index beyond 2^53 − 1")
        if case .superseded(_, let successor, _) = state { require(successor > index && successor <= max, "a bad successor") }
    }
    guard let again = try? StatusList(decodingPayload: list.payload) else { fatalError("fuzz invariant broken: a status list's re-encoding does not read back") }
    require(again == list, "a status list's re-encoding reads back to another list")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = selfTest
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    checkPayload(input)
    if let envelope = try? COSESign1(decodingAkashiEnvelope: input) { checkPayload(envelope.payload) }
    if let verified = try? VerifiedStatusList(signed: input, trust: trust) {
        require(trust.authorities.contains { Array($0.issuer.utf8) == Array(verified.list.issuer.utf8) }, "a list of an authority not in the trust file")
        require(verified.checkpoint.checkpoint.extensions.isEmpty, "a checkpoint with extension lines")
        require(verified.treeSize <= UInt64((1 << 53) - 1), "a tree size beyond 2^53 − 1")
    }
    return 0
}

// The data below is written by Tests/fuzz/make-corpus.py from vectors/ (run it again after the
// vectors are regenerated): the vectors' trust file (vectors/trust/iizuka.json, the same as
// Tests/spec-conformance/fixtures/example-trust-v2.json) and status list
// (vectors/status/iizuka.cose), embedded so that a harness binary reproduces a crash on its own.
// BEGIN EMBEDDED DATA
let trustJSON = ##"""
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

let statusList: [UInt8] = hex([
    "d2844da2012604485baf9fcd7c658dcda0590108a60170616b617368692d7374617475732f76310266343032303532031a6b1133d20478c669697a75",
    "6b612e6578616d706c652f616b617368692f6c6f670a32360a765a2f4568334355697071706255616f34524b733677475279364d466647466a454d6c",
    "66557075424979383d0a0ae280942069697a756b612e6578616d706c652f616b617368692f6c6f67205a522f55576756674c4e44644953434b4d682b",
    "317a6e576d2b59596330353546375a746d4242394d504b33612f51546856434649672b4f58304967682f37664e4c536e474642374c48324967565662",
    "646c445661333237524967733d0a050206581978da1365626064659068b79aec14c232e5c897720019aa04e758400e39474770ae91e258a3be0ff232",
    "85f7104432c7d61d300da6ac8ccdd97d54835e5158d9d93ff6ba1ab78a0e6861fb951c7baa63f6b604e29da21a3f69fe1c8c",
].joined())
// END EMBEDDED DATA
