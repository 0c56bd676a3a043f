#!/usr/bin/env python3
"""Writes ingest/testdata/cloudtrail_trail_mix.json: an unfiltered trail's day in one account.

The records follow the CloudTrail record contents reference (eventVersion 1.11: userIdentity,
eventSource, readOnly, eventType, managementEvent, eventCategory, requestParameters...). The
mix is what a trail that logs all management events (read and write) plus S3 and Lambda data
events delivers for a small production account: service roles assuming roles and decrypting,
agents polling Systems Manager, Config and scanners reading every resource, a few console
sessions, deployments, and a handful of identity changes and shares. Weights are the number
of records per template. Deterministic: run it again and the file is the same.
"""
import json, random, pathlib

random.seed(11)
ACCT = "111122223333"
OUTSIDE = "444455556666"
ROLE = lambda name: {"type": "AssumedRole", "principalId": "AROAEXAMPLE%s:%s" % (name.upper()[:6], "i-0abc123"),
                     "arn": "arn:aws:sts::%s:assumed-role/%s/i-0abc123" % (ACCT, name), "accountId": ACCT,
                     "accessKeyId": "ASIAEXAMPLE", "sessionContext": {"sessionIssuer": {"type": "Role",
                     "principalId": "AROAEXAMPLE", "arn": "arn:aws:iam::%s:role/%s" % (ACCT, name), "accountId": ACCT,
                     "userName": name}, "attributes": {"creationDate": "2026-11-30T08:00:00Z", "mfaAuthenticated": "false"}}}
SSO = {"type": "AssumedRole", "principalId": "AROAEXAMPLESSO:dana@example.com",
       "arn": "arn:aws:sts::%s:assumed-role/AWSReservedSSO_AdministratorAccess_0123abcd/dana@example.com" % ACCT,
       "accountId": ACCT, "accessKeyId": "ASIAEXAMPLESSO", "sessionContext": {"sessionIssuer": {"type": "Role",
       "arn": "arn:aws:iam::%s:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123abcd" % ACCT,
       "accountId": ACCT, "userName": "AWSReservedSSO_AdministratorAccess_0123abcd"}, "attributes": {"mfaAuthenticated": "true"}}}
def SVC(host): return {"type": "AWSService", "invokedBy": host}
CI = {"type": "IAMUser", "principalId": "AIDAEXAMPLECI", "arn": "arn:aws:iam::%s:user/svc-deploy" % ACCT, "accountId": ACCT,
      "accessKeyId": "AKIAEXAMPLECI", "userName": "svc-deploy"}

# (weight, eventSource, eventName, readOnly, category, eventType, identity, requestParameters, extra)
T = [
    (60, "sts", "AssumeRole", True, "Management", "AwsApiCall", SVC("lambda.amazonaws.com"), {"roleArn": "arn:aws:iam::%s:role/orders-fn" % ACCT, "roleSessionName": "orders-fn"}, {}),
    (30, "sts", "AssumeRole", True, "Management", "AwsApiCall", SVC("ec2.amazonaws.com"), {"roleArn": "arn:aws:iam::%s:role/web-instance" % ACCT, "roleSessionName": "i-0abc123"}, {}),
    (10, "sts", "GetCallerIdentity", True, "Management", "AwsApiCall", CI, None, {}),
    (45, "kms", "Decrypt", True, "Management", "AwsApiCall", ROLE("orders-fn"), {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, {}),
    (20, "kms", "GenerateDataKey", True, "Management", "AwsApiCall", SVC("s3.amazonaws.com"), {"keySpec": "AES_256", "keyId": "arn:aws:kms:us-east-1:%s:key/1234abcd" % ACCT}, {}),
    (6, "kms", "CreateGrant", False, "Management", "AwsApiCall", SVC("autoscaling.amazonaws.com"), {"keyId": "arn:aws:kms:us-east-1:%s:key/1234abcd" % ACCT, "granteePrincipal": "arn:aws:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" % ACCT, "operations": ["Encrypt", "Decrypt", "GenerateDataKeyWithoutPlaintext", "CreateGrant"]}, {}),
    (4, "kms", "RetireGrant", False, "Management", "AwsApiCall", SVC("ebs.amazonaws.com"), {"keyId": "arn:aws:kms:us-east-1:%s:key/1234abcd" % ACCT}, {}),
    (25, "s3", "GetObject", True, "Data", "AwsApiCall", ROLE("orders-fn"), {"bucketName": "orders-data", "key": "2026/12/01/batch.json", "Host": "orders-data.s3.us-east-1.amazonaws.com"}, {}),
    (15, "s3", "PutObject", False, "Data", "AwsApiCall", ROLE("orders-fn"), {"bucketName": "orders-data", "key": "2026/12/01/out.json", "Host": "orders-data.s3.us-east-1.amazonaws.com"}, {}),
    (8, "s3", "HeadObject", True, "Data", "AwsApiCall", ROLE("web-instance"), {"bucketName": "static-assets", "key": "index.html"}, {}),
    (5, "s3", "ListObjects", True, "Data", "AwsApiCall", ROLE("web-instance"), {"bucketName": "static-assets", "prefix": ""}, {}),
    (3, "s3", "DeleteObject", False, "Data", "AwsApiCall", ROLE("orders-fn"), {"bucketName": "orders-data", "key": "tmp/x"}, {}),
    (6, "s3", "GetBucketAcl", True, "Management", "AwsApiCall", SVC("config.amazonaws.com"), {"bucketName": "orders-data", "acl": [""]}, {}),
    (4, "s3", "GetBucketPolicy", True, "Management", "AwsApiCall", SVC("config.amazonaws.com"), {"bucketName": "orders-data", "policy": [""]}, {}),
    (3, "s3", "ListBuckets", True, "Management", "AwsApiCall", SSO, None, {}),
    (12, "lambda", "Invoke", False, "Data", "AwsApiCall", SVC("apigateway.amazonaws.com"), {"functionName": "arn:aws:lambda:us-east-1:%s:function:orders" % ACCT}, {}),
    (3, "lambda", "ListFunctions20150331", True, "Management", "AwsApiCall", SSO, None, {}),
    (3, "lambda", "GetFunction20150331v2", True, "Management", "AwsApiCall", CI, {"functionName": "orders"}, {}),
    (2, "lambda", "UpdateFunctionCode20150331v2", False, "Management", "AwsApiCall", CI, {"functionName": "orders", "publish": True}, {}),
    (1, "lambda", "AddPermission20150331v2", False, "Management", "AwsApiCall", CI, {"functionName": "orders", "statementId": "s3-invoke", "action": "lambda:InvokeFunction", "principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::orders-data"}, {}),
    (1, "lambda", "AddPermission20150331v2", False, "Management", "AwsApiCall", SSO, {"functionName": "orders", "statementId": "partner", "action": "lambda:InvokeFunction", "principal": OUTSIDE}, {}),
    (25, "ssm", "UpdateInstanceInformation", False, "Management", "AwsApiCall", ROLE("web-instance"), {"instanceId": "i-0abc123", "agentVersion": "3.3.40.0", "platformType": "Linux"}, {}),
    (15, "ssm", "ListInstanceAssociations", True, "Management", "AwsApiCall", ROLE("web-instance"), {"instanceId": "i-0abc123", "maxResults": 20}, {}),
    (6, "ssm", "GetParameters", True, "Management", "AwsApiCall", ROLE("orders-fn"), {"names": ["/orders/db-url"], "withDecryption": True}, {}),
    (12, "ec2messages", "GetMessages", True, "Management", "AwsApiCall", ROLE("web-instance"), {"destination": "i-0abc123", "messagesRequestId": "abc", "visibilityTimeoutInSeconds": 10}, {}),
    (4, "ssmmessages", "CreateControlChannel", False, "Management", "AwsApiCall", ROLE("web-instance"), {"channelId": "i-0abc123"}, {}),
    (14, "ec2", "DescribeInstances", True, "Management", "AwsApiCall", SVC("config.amazonaws.com"), {"instancesSet": {}, "filterSet": {}}, {}),
    (8, "ec2", "DescribeSecurityGroups", True, "Management", "AwsApiCall", SVC("config.amazonaws.com"), {"securityGroupSet": {}}, {}),
    (6, "ec2", "DescribeVolumes", True, "Management", "AwsApiCall", SVC("config.amazonaws.com"), {"volumeSet": {}}, {}),
    (4, "ec2", "DescribeSnapshots", True, "Management", "AwsApiCall", ROLE("backup-scanner"), {"ownersSet": {"items": [{"owner": "self"}]}}, {}),
    (3, "ec2", "RunInstances", False, "Management", "AwsApiCall", SVC("autoscaling.amazonaws.com"), {"instancesSet": {"items": [{"imageId": "ami-0abc", "minCount": 1, "maxCount": 1}]}, "instanceType": "t3.small"}, {}),
    (3, "ec2", "CreateTags", False, "Management", "AwsApiCall", SVC("autoscaling.amazonaws.com"), {"resourcesSet": {"items": [{"resourceId": "i-0abc123"}]}, "tagSet": {"items": [{"key": "Name", "value": "web"}]}}, {}),
    (2, "ec2", "TerminateInstances", False, "Management", "AwsApiCall", SVC("autoscaling.amazonaws.com"), {"instancesSet": {"items": [{"instanceId": "i-0old"}]}}, {}),
    (2, "ec2", "CreateSnapshot", False, "Management", "AwsApiCall", ROLE("backup-scanner"), {"volumeId": "vol-0abc", "description": "nightly"}, {}),
    (1, "ec2", "AuthorizeSecurityGroupIngress", False, "Management", "AwsApiCall", SSO, {"groupId": "sg-0abc", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443}]}}, {}),
    (1, "ec2", "ModifySnapshotAttribute", False, "Management", "AwsApiCall", SSO, {"snapshotId": "snap-0abc", "attributeType": "CREATE_VOLUME_PERMISSION", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}, {}),
    (1, "ec2", "ModifyImageAttribute", False, "Management", "AwsApiCall", CI, {"imageId": "ami-0abc", "attributeType": "launchPermission", "launchPermission": {"add": {"items": [{"userId": OUTSIDE}]}}}, {}),
    (10, "monitoring", "GetMetricData", True, "Management", "AwsApiCall", ROLE("grafana"), {"startTime": "Dec 1, 2026, 9:00:00 AM", "endTime": "Dec 1, 2026, 10:00:00 AM"}, {}),
    (3, "monitoring", "PutMetricAlarm", False, "Management", "AwsApiCall", CI, {"alarmName": "orders-errors"}, {}),
    (8, "logs", "CreateLogStream", False, "Management", "AwsApiCall", ROLE("orders-fn"), {"logGroupName": "/aws/lambda/orders", "logStreamName": "2026/12/01/[$LATEST]abc"}, {}),
    (4, "logs", "DescribeLogGroups", True, "Management", "AwsApiCall", ROLE("grafana"), {"limit": 50}, {}),
    (6, "config", "PutEvaluations", False, "Management", "AwsApiCall", ROLE("config-rules"), {"evaluations": [{"complianceType": "COMPLIANT"}], "testMode": False}, {}),
    (4, "config", "DescribeConfigRules", True, "Management", "AwsApiCall", ROLE("config-rules"), None, {}),
    (5, "iam", "ListRoles", True, "Management", "AwsApiCall", SVC("access-analyzer.amazonaws.com"), None, {}),
    (5, "iam", "GetRole", True, "Management", "AwsApiCall", SVC("config.amazonaws.com"), {"roleName": "orders-fn"}, {}),
    (4, "iam", "ListAttachedRolePolicies", True, "Management", "AwsApiCall", SVC("config.amazonaws.com"), {"roleName": "orders-fn"}, {}),
    (2, "iam", "GenerateCredentialReport", False, "Management", "AwsApiCall", ROLE("security-audit"), None, {}),
    (2, "iam", "GetAccountSummary", True, "Management", "AwsApiCall", SSO, None, {}),
    (1, "iam", "CreateRole", False, "Management", "AwsApiCall", CI, {"roleName": "reports-fn", "assumeRolePolicyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}, {}),
    (1, "iam", "AttachRolePolicy", False, "Management", "AwsApiCall", CI, {"roleName": "reports-fn", "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, {}),
    (1, "iam", "CreateLoginProfile", False, "Management", "AwsApiCall", SSO, {"userName": "contractor-ann", "passwordResetRequired": True}, {}),
    (1, "iam", "CreateOpenIDConnectProvider", False, "Management", "AwsApiCall", SSO, {"url": "https://token.actions.githubusercontent.com", "clientIDList": ["sts.amazonaws.com"]}, {}),
    (1, "iam", "UpdateAssumeRolePolicy", False, "Management", "AwsApiCall", SSO, {"roleName": "deploy", "policyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}" % ACCT}, {}),
    (4, "cloudtrail", "LookupEvents", True, "Management", "AwsApiCall", SSO, {"maxResults": 50}, {}),
    (3, "cloudtrail", "DescribeTrails", True, "Management", "AwsApiCall", SVC("securityhub.amazonaws.com"), {"includeShadowTrails": False}, {}),
    (3, "secretsmanager", "GetSecretValue", True, "Management", "AwsApiCall", ROLE("orders-fn"), {"secretId": "orders/db"}, {}),
    (1, "secretsmanager", "RotationSucceeded", False, "Management", "AwsServiceEvent", SVC("secretsmanager.amazonaws.com"), None, {}),
    (5, "ecr", "GetAuthorizationToken", True, "Management", "AwsApiCall", ROLE("web-instance"), None, {}),
    (4, "ecr", "BatchGetImage", True, "Management", "AwsApiCall", ROLE("web-instance"), {"repositoryName": "web", "imageIds": [{"imageTag": "latest"}]}, {}),
    (3, "ecs", "DescribeServices", True, "Management", "AwsApiCall", CI, {"cluster": "prod", "services": ["web"]}, {}),
    (1, "ecs", "UpdateService", False, "Management", "AwsApiCall", CI, {"cluster": "prod", "service": "web", "forceNewDeployment": True}, {}),
    (3, "elasticloadbalancing", "DescribeTargetHealth", True, "Management", "AwsApiCall", SVC("autoscaling.amazonaws.com"), {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:%s:targetgroup/web/abc" % ACCT}, {}),
    (3, "autoscaling", "DescribeAutoScalingGroups", True, "Management", "AwsApiCall", CI, None, {}),
    (2, "cloudformation", "DescribeStacks", True, "Management", "AwsApiCall", CI, {"stackName": "orders"}, {}),
    (1, "cloudformation", "UpdateStack", False, "Management", "AwsApiCall", CI, {"stackName": "orders", "capabilities": ["CAPABILITY_IAM"]}, {}),
    (2, "dynamodb", "DescribeTable", True, "Management", "AwsApiCall", ROLE("orders-fn"), {"tableName": "orders"}, {}),
    (2, "rds", "DescribeDBInstances", True, "Management", "AwsApiCall", SVC("config.amazonaws.com"), None, {}),
    (1, "rds", "ModifyDBSnapshotAttribute", False, "Management", "AwsApiCall", SSO, {"dBSnapshotIdentifier": "orders-2026-12-01", "attributeName": "restore", "valuesToAdd": [OUTSIDE]}, {}),
    (1, "sqs", "SetQueueAttributes", False, "Management", "AwsApiCall", CI, {"queueUrl": "https://sqs.us-east-1.amazonaws.com/%s/orders" % ACCT, "attributes": {"Policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"}]}"}}, {}),
    (1, "s3", "PutBucketPolicy", False, "Management", "AwsApiCall", SSO, {"bucketName": "static-assets", "bucketPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::static-assets/*"}]}, "policy": [""]}, {}),
    (2, "route53", "ListHostedZones", True, "Management", "AwsApiCall", CI, None, {}),
    (1, "route53", "ChangeResourceRecordSets", False, "Management", "AwsApiCall", CI, {"hostedZoneId": "Z123", "changeBatch": {"changes": [{"action": "UPSERT"}]}}, {}),
    (2, "health", "DescribeEventAggregates", True, "Management", "AwsApiCall", SSO, {"aggregateField": "eventTypeCategory"}, {}),
    (1, "organizations", "DescribeOrganization", True, "Management", "AwsApiCall", SSO, None, {}),
    (2, "signin", "ConsoleLogin", False, "Management", "AwsConsoleSignIn", SSO, None, {"responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "Yes"}}),
    (2, "sso", "Federate", False, "Management", "AwsServiceEvent", {"type": "Unknown", "principalId": "dana@example.com", "accountId": ACCT, "userName": "dana@example.com"}, None, {}),
    (2, "sso", "GetRoleCredentials", True, "Management", "AwsApiCall", {"type": "Unknown", "principalId": "dana@example.com", "accountId": ACCT, "userName": "dana@example.com"}, {"roleName": "AdministratorAccess", "accountId": ACCT}, {}),
    (3, "s3", "GetObject", True, "Data", "AwsApiCall", ROLE("web-instance"), {"bucketName": "orders-data", "key": "private/x"}, {"errorCode": "AccessDenied", "errorMessage": "Access Denied"}),
    (1, "iam", "CreateUser", False, "Management", "AwsApiCall", ROLE("web-instance"), {"userName": "backdoor"}, {"errorCode": "AccessDenied", "errorMessage": "User is not authorized to perform: iam:CreateUser"}),
]

records = []
n = 0
for w, src, name, ro, cat, etype, ident, params, extra in T:
    for i in range(w):
        n += 1
        rec = {"eventVersion": "1.11", "userIdentity": ident, "eventTime": "2026-12-01T%02d:%02d:%02dZ" % (random.randrange(24), random.randrange(60), random.randrange(60)),
               "eventSource": src + ".amazonaws.com", "eventName": name, "awsRegion": "us-east-1",
               "sourceIPAddress": ident.get("invokedBy", "203.0.113.%d" % random.randrange(2, 250)),
               "userAgent": ident.get("invokedBy", "aws-sdk-go-v2/1.30.0"), "requestParameters": params, "responseElements": None,
               "requestID": "%08x-0000-4000-8000-%012x" % (n, n), "eventID": "%08x-1111-4000-8000-%012x" % (n, n),
               "readOnly": ro, "eventType": etype, "managementEvent": cat == "Management", "recipientAccountId": ACCT,
               "eventCategory": cat}
        rec.update(extra)
        records.append(rec)
random.shuffle(records)
out = pathlib.Path(__file__).resolve().parents[2] / "ingest" / "testdata" / "cloudtrail_trail_mix.json"
out.write_text(json.dumps({"Records": records}, indent=None, separators=(",", ":")) + "\n")
print("%s: %d records, %d event names" % (out, len(records), len({(r["eventSource"], r["eventName"]) for r in records})))
